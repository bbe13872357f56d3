cmake_minimum_required(VERSION 3.18)
# erready.json(5): the page's fixed text (IN) with the configuration
# reference that config_man (TOOL) prints from the YANG module.
execute_process(COMMAND ${TOOL} OUTPUT_VARIABLE nodes RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "config_man failed (${rc})")
endif()
file(READ ${IN} page)
string(REPLACE "@CONFIG_NODES@\n" "${nodes}" page "${page}")
string(REPLACE "@VERSION@" "${VERSION}" page "${page}")
string(REPLACE "@REVISION@" "${REVISION}" page "${page}")
file(WRITE ${OUT} "${page}")
