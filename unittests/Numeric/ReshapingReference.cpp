//===- ReshapingReference.cpp - double reference of the reshaping ops -----------===//

#include "ReshapingReference.h"
