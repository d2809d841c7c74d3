//===- CNNNormalizationOps.td - batch normalization and dropout -*- tablegen -*-===//
//
// BatchNormalization and Dropout: their inference forms, training forms and gradients.
// Included from CNNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNNORMALIZATIONOPS_TD
#define CNNC_DIALECT_CNN_IR_CNNNORMALIZATIONOPS_TD

#endif // CNNC_DIALECT_CNN_IR_CNNNORMALIZATIONOPS_TD
