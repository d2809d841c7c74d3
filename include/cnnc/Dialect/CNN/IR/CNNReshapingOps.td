//===- CNNReshapingOps.td - global pooling, padding, concatenation -*- tablegen -*-===//
//
// Layers that reduce or rearrange whole tensors: global pooling, zero padding, concatenation, and their gradients.
// Included from CNNOps.td.
//
//===----------------------------------------------------------------------===//

#ifndef CNNC_DIALECT_CNN_IR_CNNRESHAPINGOPS_TD
#define CNNC_DIALECT_CNN_IR_CNNRESHAPINGOPS_TD

#endif // CNNC_DIALECT_CNN_IR_CNNRESHAPINGOPS_TD
