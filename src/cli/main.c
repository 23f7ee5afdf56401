#include <stdio.h>
#include "onnx_prune.h"
int main(void) { puts(OPR_VERSION); return 0; }
