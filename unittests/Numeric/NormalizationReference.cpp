//===- NormalizationReference.cpp - double reference of the normalization ops -----------===//

#include "NormalizationReference.h"
