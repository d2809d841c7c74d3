//===- DepthwiseReference.cpp - double reference of the depthwise ops -----------===//

#include "DepthwiseReference.h"
