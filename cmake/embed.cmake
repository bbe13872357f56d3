# Turns a text file into a C source defining `const char NAME[]`, so the
# daemon carries its YANG module and never depends on an install path.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "/* generated from ${NAME_FILE} by cmake/embed.cmake; do not edit */\n"
  "const char ${NAME}[] = {\n${body}0x00\n};\n")
