# SPDX-License-Identifier: MIT
# cmake -DINPUT=FILE -DOUTPUT=FILE.c -DNAME=SYMBOL -P embed.cmake
# Writes a C file defining `const char NAME[]` (the bytes of INPUT and a
# NUL) and `const size_t NAME_len` (their number, without the NUL): the
# OpenAPI document is a file in the tree and a string in the program.
include("${CMAKE_CURRENT_LIST_DIR}/embed_hex.cmake")
argo_embed_bytes("${INPUT}" body n)
file(WRITE "${OUTPUT}.tmp"
  "/* generated from ${INPUT} by embed.cmake; do not edit */\n"
  "#include <stddef.h>\n"
  "extern const char ${NAME}[];\nextern const size_t ${NAME}_len;\n"
  "const char ${NAME}[] = {\n${body}\n0x00};\n"
  "const size_t ${NAME}_len = ${n};\n")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
