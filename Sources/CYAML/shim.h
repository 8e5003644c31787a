#ifndef VEO_CYAML_SHIM_H
#define VEO_CYAML_SHIM_H
#include <yaml.h>
#endif
