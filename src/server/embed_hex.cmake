# SPDX-License-Identifier: MIT
# argo_embed_bytes(FILE BODY LEN): BODY receives FILE's bytes as the body
# of a C char array ("0x3c,0x21,...", ending in a comma) and LEN their
# number. Shared by embed.cmake (the OpenAPI document) and embed_dir.cmake
# (the dashboard's files).
function(argo_embed_bytes file body_var len_var)
  file(READ "${file}" hex HEX)
  string(LENGTH "${hex}" nhex)
  math(EXPR n "${nhex} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n" body "${body}")
  set(${body_var} "${body}" PARENT_SCOPE)
  set(${len_var} "${n}" PARENT_SCOPE)
endfunction()
