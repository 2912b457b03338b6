# SPDX-License-Identifier: MIT
# cmake -DDIR=FOLDER -DOUTPUT=FILE.c -P embed_dir.cmake
# Writes a C file defining the table of static files of server/files.h:
# every regular file directly in FOLDER (the dashboard, src/dashboard/),
# with its bytes, its media type (by extension) and an ETag (the first 32
# hex digits of its SHA-256, computed here at build time). The page is
# part of the program: argo serves it with no file on disk and no CDN.
include("${CMAKE_CURRENT_LIST_DIR}/embed_hex.cmake")
file(GLOB names RELATIVE "${DIR}" "${DIR}/*")
list(SORT names)
set(defs "")
set(rows "")
set(i 0)
foreach(name IN LISTS names)
  if(IS_DIRECTORY "${DIR}/${name}" OR name MATCHES "^\\.")
    continue()
  endif()
  if(NOT name MATCHES "^[A-Za-z0-9._-]+$")
    message(FATAL_ERROR "embed_dir: ${DIR}/${name}: a served file's name is letters, digits, '.', '_' or '-'")
  endif()
  if(name MATCHES "\\.html$")
    set(type "text/html; charset=utf-8")
  elseif(name MATCHES "\\.js$")
    set(type "text/javascript; charset=utf-8")
  elseif(name MATCHES "\\.css$")
    set(type "text/css; charset=utf-8")
  elseif(name MATCHES "\\.svg$")
    set(type "image/svg+xml")
  elseif(name MATCHES "\\.json$")
    set(type "application/json")
  else()
    message(FATAL_ERROR "embed_dir: ${DIR}/${name}: no media type for this extension")
  endif()
  argo_embed_bytes("${DIR}/${name}" body n)
  file(SHA256 "${DIR}/${name}" sha)
  string(SUBSTRING "${sha}" 0 32 tag)
  string(APPEND defs "static const char f${i}[] = {\n${body}\n0x00};\n")
  string(APPEND rows "    {\"${name}\", \"${type}\", \"\\\"${tag}\\\"\", f${i}, ${n}},\n")
  math(EXPR i "${i} + 1")
endforeach()
file(WRITE "${OUTPUT}.tmp"
  "/* generated from ${DIR} by embed_dir.cmake; do not edit */\n"
  "#include \"server/files.h\"\n\n"
  "${defs}\n"
  "const argo_file argo_files[] = {\n${rows}    {0, 0, 0, 0, 0}};\n"
  "const size_t argo_files_count = ${i};\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
