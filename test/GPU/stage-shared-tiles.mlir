// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-gpu-stage-shared-tiles))' | FileCheck %s
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-gpu-stage-shared-tiles{max-tile-bytes=16384}))' | FileCheck %s --check-prefix=LARGE
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-gpu-stage-shared-tiles{emulate=true}))' | FileCheck %s --check-prefix=EMU
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-gpu-stage-shared-tiles{emulate=true emulate-all-shares=true}))' | FileCheck %s --check-prefix=ALL
// RUN: cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-gpu-stage-shared-tiles{max-tile-bytes=0}))' | FileCheck %s --check-prefix=OFF
// RUN: not cnnc-opt %s --pass-pipeline='builtin.module(func.func(cnn-gpu-stage-shared-tiles{max-tile-bytes=-1}))' 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// NEGATIVE: error: max-tile-bytes must not be negative
// OFF-NOT: gpu.barrier
// OFF-NOT: #gpu.address_space<workgroup>

#thread = #gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>
#block = #gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>

// w's tile for all of k and c (128 KiB) or one k (16 KiB) exceeds 8 KiB:
// the c loop is cut into chunks of 32 and each chunk staged (32 x 64). The
// tile is allocated in the thread loop (convert-parallel-loops-to-gpu keeps
// it in the launch body); the guard moves after the nest and the threads
// compute with the index clamped to the last element.
// CHECK-LABEL: func.func @product(
// CHECK-SAME:      %[[X:[a-z0-9]+]]: memref<?x8x64xf32> {llvm.noalias}, %[[W:[a-z0-9]+]]: memref<8x64x64xf32> {llvm.noalias}, %[[OUT:[a-z0-9]+]]: memref<?x64xf32> {llvm.noalias}, %[[SIZE:[a-z0-9]+]]: index)
// CHECK:         scf.parallel (%[[B:.*]]) =
// CHECK-NEXT:      scf.parallel (%[[T:.*]]) =
// CHECK-NEXT:        %[[TILE:.*]] = memref.alloca() : memref<32x64xf32, #gpu.address_space<workgroup>>
// CHECK-NEXT:        %[[LIN:.*]] = arith.addi %[[T]], %[[B]]
// CHECK-NEXT:        %[[IN:.*]] = arith.cmpi ult, %[[LIN]], %[[SIZE]]
// CHECK:             %[[LAST:.*]] = arith.subi %[[SIZE]], %{{.*}}
// CHECK-NEXT:        %[[CLAMPED:.*]] = arith.minui %[[LIN]], %[[LAST]]
// CHECK-NEXT:        %[[F:.*]] = arith.remsi %[[CLAMPED]], %{{.*}}
// CHECK-NEXT:        %[[N:.*]] = arith.divsi %[[CLAMPED]], %{{.*}}
// CHECK-NEXT:        %[[SUM:.*]] = scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// CHECK-NEXT:          %[[C32:.*]] = arith.constant 32 : index
// CHECK-NEXT:          %[[SPAN:.*]] = arith.muli %{{.*}}, %[[C32]]
// CHECK-NEXT:          scf.for %[[CHUNK:.*]] = %{{.*}} to %{{.*}} step %[[SPAN]] iter_args
// Each thread copies 8 of the 2048 elements, neighbouring threads
// neighbouring addresses (f fastest).
// CHECK:                 %[[C8:.*]] = arith.constant 8 : index
// CHECK:                 scf.for %[[ROUND:.*]] = %{{.*}} to %[[C8]]
// CHECK:                   %[[SCALED:.*]] = arith.muli %[[ROUND]], %{{.*}}
// CHECK-NEXT:              %[[ELEMENT:.*]] = arith.addi %[[SCALED]], %[[T]]
// CHECK:                   %[[ROW:.*]] = affine.apply #{{.*}}(%[[ELEMENT]])
// CHECK-NEXT:              %[[COL:.*]] = affine.apply #{{.*}}(%[[ELEMENT]])
// CHECK:                   %[[FIRST:.*]] = arith.remui %[[B]], %{{.*}}
// CHECK-NEXT:              %[[GF:.*]] = arith.addi %[[FIRST]], %[[COL]]
// CHECK-NEXT:              %[[V:.*]] = memref.load %[[W]][%[[K]], %{{.*}}, %[[GF]]]
// CHECK:                   memref.store %[[V]], %[[TILE]][%{{.*}}, %[[COL]]]
// CHECK:                 gpu.barrier
// CHECK:                 scf.for %[[C:.*]] = %[[CHUNK]] to
// CHECK:                   memref.load %[[X]][%[[N]], %[[K]], %[[C]]]
// CHECK-NOT:               memref.load %[[W]]
// CHECK:                   memref.load %[[TILE]]
// CHECK:                 gpu.barrier
// CHECK-NEXT:            scf.yield
// CHECK:             scf.if %[[IN]] {
// CHECK-NEXT:          memref.store %[[SUM]], %[[OUT]][%[[N]], %[[F]]]

// With 16 KiB, one k's 64 x 64 tile is staged inside the k loop, no chunks.
// LARGE-LABEL: func.func @product(
// LARGE:         memref.alloca() : memref<64x64xf32, #gpu.address_space<workgroup>>
// LARGE:         scf.for %[[K:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args
// LARGE-NEXT:      arith.constant 0 : index
// LARGE-NEXT:      %[[C16:.*]] = arith.constant 16 : index
// LARGE:           scf.for %{{.*}} = %{{.*}} to %[[C16]]
// LARGE:           gpu.barrier
// LARGE-NEXT:      scf.for
// LARGE:           gpu.barrier
// LARGE-NEXT:      scf.yield

// The emulation: one tile outside the kernel, each thread copies its own
// column of each chunk (32 elements) right before reading it; no barriers.
// EMU-LABEL: func.func @product(
// EMU:         %[[TILE:.*]] = memref.alloca() : memref<32x64xf32>
// EMU-NEXT:    scf.parallel
// EMU-NOT:     gpu.barrier
// EMU:         %[[F:.*]] = arith.remsi
// EMU:         scf.for %[[CHUNK:.*]] = %{{.*}} to %{{.*}} step
// EMU:           %[[OWN:.*]] = arith.remui %[[F]], %{{.*}}
// EMU:           %[[C32:.*]] = arith.constant 32 : index
// EMU:           scf.for %[[R:.*]] = %{{.*}} to %[[C32]]
// EMU:             memref.store %{{.*}}, %[[TILE]][%[[R]], %[[OWN]]]
// EMU-NOT:     gpu.barrier
// EMU:         return

// The emulation with every share: each thread runs the copies of all 256
// threads of its block, 8 rounds each, as the GPU divides the chunk.
// ALL-LABEL: func.func @product(
// ALL:         %[[TILE:.*]] = memref.alloca() : memref<32x64xf32>
// ALL:         scf.for %[[CHUNK:.*]] = %{{.*}} to %{{.*}} step
// ALL:           %[[C256:.*]] = arith.constant 256 : index
// ALL:           scf.for %[[THREAD:.*]] = %{{.*}} to %[[C256]]
// ALL:             %[[C8:.*]] = arith.constant 8 : index
// ALL:             scf.for %[[ROUND:.*]] = %{{.*}} to %[[C8]]
// ALL:               %[[SCALED:.*]] = arith.muli %[[ROUND]], %{{.*}}
// ALL-NEXT:          arith.addi %[[SCALED]], %[[THREAD]]
// ALL:               memref.store %{{.*}}, %[[TILE]]
// ALL-NOT:     gpu.barrier
// ALL:         return

// out[n, f] = sum over k < 8, c < 64 of x[n, k, c] * w[k, c, f]: a block of
// 256 threads covers 4 rows of f < 64, so each w element is read by 4
// threads; x depends on n and stays a global load.
func.func @product(%x: memref<?x8x64xf32> {llvm.noalias},
                   %w: memref<8x64x64xf32> {llvm.noalias},
                   %out: memref<?x64xf32> {llvm.noalias}, %size: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b) = (%c0) to (%size) step (%c256) {
    scf.parallel (%t) = (%c0) to (%c256) step (%c1) {
      %lin = arith.addi %t, %b : index
      %in = arith.cmpi ult, %lin, %size : index
      scf.if %in {
        %f = arith.remsi %lin, %c64 : index
        %n = arith.divsi %lin, %c64 : index
        %sum = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %zero) -> (f32) {
          %s2 = scf.for %c = %c0 to %c64 step %c1 iter_args(%a2 = %a) -> (f32) {
            %xv = memref.load %x[%n, %k, %c] : memref<?x8x64xf32>
            %wv = memref.load %w[%k, %c, %f] : memref<8x64x64xf32>
            %p = arith.mulf %xv, %wv : f32
            %s = arith.addf %a2, %p : f32
            scf.yield %s : f32
          }
          scf.yield %s2 : f32
        }
        memref.store %sum, %out[%n, %f] : memref<?x64xf32>
      }
      scf.reduce
    } {mapping = [#thread]}
    scf.reduce
  } {mapping = [#block]}
  return
}

// CHECK-LABEL: func.func @transposed(
// CHECK-SAME:      %[[W:[a-z0-9]+]]: memref<512x4xf32> {llvm.noalias}
// CHECK:         scf.parallel (%[[B:.*]]) =
// CHECK-NEXT:      scf.parallel (%[[T:.*]]) =
// CHECK-NEXT:        %[[TILE:.*]] = memref.alloca() : memref<4x257xf32, #gpu.address_space<workgroup>>
// 1024 elements, 4 per thread, w's innermost index (c) fastest.
// CHECK:             %[[C4:.*]] = arith.constant 4 : index
// CHECK:             scf.for %[[ROUND:.*]] = %{{.*}} to %[[C4]]
// CHECK:               %[[ELEMENT:.*]] = arith.addi %{{.*}}, %[[T]]
// CHECK:               %[[COL:.*]] = affine.apply #{{.*}}(%[[ELEMENT]])
// CHECK-NEXT:          %[[C:.*]] = affine.apply #{{.*}}(%[[ELEMENT]])
// CHECK:               %[[FIRST:.*]] = arith.remui %[[B]], %{{.*}}
// CHECK-NEXT:          %[[GF:.*]] = arith.addi %[[FIRST]], %[[COL]]
// CHECK-NEXT:          %[[V:.*]] = memref.load %[[W]][%[[GF]], %{{.*}}]
// CHECK:               memref.store %[[V]], %[[TILE]][%{{.*}}, %[[COL]]]
// CHECK:             gpu.barrier
// CHECK:             scf.for
// CHECK:               memref.load %[[TILE]]

// w read transposed (its innermost index follows the loop, not f): the tile
// is copied in w's order with rows padded to 65 columns. f extent 512 is a
// multiple of the block: each block covers 256 of them, from block % 512.
func.func @transposed(%x: memref<?x4xf32> {llvm.noalias},
                      %w: memref<512x4xf32> {llvm.noalias},
                      %out: memref<?x512xf32> {llvm.noalias}, %size: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c256 = arith.constant 256 : index
  %c512 = arith.constant 512 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b) = (%c0) to (%size) step (%c256) {
    scf.parallel (%t) = (%c0) to (%c256) step (%c1) {
      %lin = arith.addi %t, %b : index
      %in = arith.cmpi ult, %lin, %size : index
      scf.if %in {
        %f = arith.remsi %lin, %c512 : index
        %n = arith.divsi %lin, %c512 : index
        %sum = scf.for %c = %c0 to %c4 step %c1 iter_args(%a = %zero) -> (f32) {
          %xv = memref.load %x[%n, %c] : memref<?x4xf32>
          %wv = memref.load %w[%f, %c] : memref<512x4xf32>
          %p = arith.mulf %xv, %wv : f32
          %s = arith.addf %a, %p : f32
          scf.yield %s : f32
        }
        memref.store %sum, %out[%n, %f] : memref<?x512xf32>
      }
      scf.reduce
    } {mapping = [#thread]}
    scf.reduce
  } {mapping = [#block]}
  return
}

// CHECK-LABEL: func.func @written(
// CHECK-NOT:     gpu.barrier
// CHECK-LABEL: func.func @ragged_rows(
// CHECK-NOT:     gpu.barrier
// CHECK-LABEL: func.func @may_alias(
// CHECK-NOT:     gpu.barrier
// CHECK-LABEL: func.func @storing_loop(
// CHECK-NOT:     gpu.barrier
// CHECK:         return

// Not staged: w is also written by the kernel.
func.func @written(%w: memref<8x64xf32> {llvm.noalias},
                   %out: memref<?x64xf32> {llvm.noalias}, %size: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b) = (%c0) to (%size) step (%c256) {
    scf.parallel (%t) = (%c0) to (%c256) step (%c1) {
      %lin = arith.addi %t, %b : index
      %in = arith.cmpi ult, %lin, %size : index
      scf.if %in {
        %f = arith.remsi %lin, %c64 : index
        %n = arith.divsi %lin, %c64 : index
        %sum = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %zero) -> (f32) {
          %wv = memref.load %w[%k, %f] : memref<8x64xf32>
          %s = arith.addf %a, %wv : f32
          scf.yield %s : f32
        }
        memref.store %sum, %out[%n, %f] : memref<?x64xf32>
        memref.store %sum, %w[%c0, %f] : memref<8x64xf32>
      }
      scf.reduce
    } {mapping = [#thread]}
    scf.reduce
  } {mapping = [#block]}
  return
}

// Not staged: 48 neither divides nor is a multiple of the block, so a
// block's threads do not cover whole rows of f.
func.func @ragged_rows(%w: memref<8x48xf32> {llvm.noalias},
                       %out: memref<?x48xf32> {llvm.noalias}, %size: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c48 = arith.constant 48 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b) = (%c0) to (%size) step (%c256) {
    scf.parallel (%t) = (%c0) to (%c256) step (%c1) {
      %lin = arith.addi %t, %b : index
      %in = arith.cmpi ult, %lin, %size : index
      scf.if %in {
        %f = arith.remsi %lin, %c48 : index
        %n = arith.divsi %lin, %c48 : index
        %sum = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %zero) -> (f32) {
          %wv = memref.load %w[%k, %f] : memref<8x48xf32>
          %s = arith.addf %a, %wv : f32
          scf.yield %s : f32
        }
        memref.store %sum, %out[%n, %f] : memref<?x48xf32>
      }
      scf.reduce
    } {mapping = [#thread]}
    scf.reduce
  } {mapping = [#block]}
  return
}

// Not staged: w may alias out (no llvm.noalias), which the kernel writes.
func.func @may_alias(%w: memref<8x64xf32>, %out: memref<?x64xf32>,
                     %size: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b) = (%c0) to (%size) step (%c256) {
    scf.parallel (%t) = (%c0) to (%c256) step (%c1) {
      %lin = arith.addi %t, %b : index
      %in = arith.cmpi ult, %lin, %size : index
      scf.if %in {
        %f = arith.remsi %lin, %c64 : index
        %n = arith.divsi %lin, %c64 : index
        %sum = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %zero) -> (f32) {
          %wv = memref.load %w[%k, %f] : memref<8x64xf32>
          %s = arith.addf %a, %wv : f32
          scf.yield %s : f32
        }
        memref.store %sum, %out[%n, %f] : memref<?x64xf32>
      }
      scf.reduce
    } {mapping = [#thread]}
    scf.reduce
  } {mapping = [#block]}
  return
}

// Not staged: the loop writes memory (the guard could not move past it).
func.func @storing_loop(%w: memref<8x64xf32> {llvm.noalias},
                        %out: memref<?x64xf32> {llvm.noalias}, %size: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  scf.parallel (%b) = (%c0) to (%size) step (%c256) {
    scf.parallel (%t) = (%c0) to (%c256) step (%c1) {
      %lin = arith.addi %t, %b : index
      %in = arith.cmpi ult, %lin, %size : index
      scf.if %in {
        %f = arith.remsi %lin, %c64 : index
        %n = arith.divsi %lin, %c64 : index
        scf.for %k = %c0 to %c8 step %c1 {
          %wv = memref.load %w[%k, %f] : memref<8x64xf32>
          %old = memref.load %out[%n, %f] : memref<?x64xf32>
          %s = arith.addf %old, %wv : f32
          memref.store %s, %out[%n, %f] : memref<?x64xf32>
        }
      }
      scf.reduce
    } {mapping = [#thread]}
    scf.reduce
  } {mapping = [#block]}
  return
}

// A kernel merged with alignment 256 (cnn-gpu-fuse-independent-kernels):
// every block runs one part, so each part stages its own tile. The second
// part's index is linear - start: it is clamped to its own size, and its
// block's first j is (block - start) % 32.
// CHECK-LABEL: func.func @merged(
// CHECK-SAME:      %[[W:[a-z0-9]+]]: memref<8x64xf32> {llvm.noalias}, %[[V:[a-z0-9]+]]: memref<4x32xf32> {llvm.noalias}
// CHECK-SAME:      %[[N1:[a-z0-9]+]]: index, %[[START:[a-z0-9]+]]: index, %[[N2:[a-z0-9]+]]: index, %[[TOTAL:[a-z0-9]+]]: index)
// CHECK:         scf.parallel (%[[B:.*]]) =
// CHECK-NEXT:      scf.parallel (%[[T:.*]]) =
// CHECK-DAG:         %[[TILE2:.*]] = memref.alloca() : memref<4x32xf32, #gpu.address_space<workgroup>>
// CHECK-DAG:         %[[TILE1:.*]] = memref.alloca() : memref<8x64xf32, #gpu.address_space<workgroup>>
// CHECK:             %[[LIN:.*]] = arith.addi %[[T]], %[[B]]
// CHECK:             scf.if
// CHECK:               scf.if
// CHECK:                 %[[LAST1:.*]] = arith.subi %[[N1]], %{{.*}}
// CHECK-NEXT:            %[[CLAMP1:.*]] = arith.minui %[[LIN]], %[[LAST1]]
// CHECK:                 memref.load %[[W]]
// CHECK:                 memref.store %{{.*}}, %[[TILE1]]
// CHECK:                 gpu.barrier
// CHECK:                 memref.load %[[TILE1]]
// CHECK:               } else {
// CHECK-NEXT:            %[[LOCAL:.*]] = arith.subi %[[LIN]], %[[START]]
// CHECK:                 %[[LAST2:.*]] = arith.subi %[[N2]], %{{.*}}
// CHECK-NEXT:            %[[CLAMP2:.*]] = arith.minui %[[LOCAL]], %[[LAST2]]
// CHECK-NEXT:            %[[G:.*]] = arith.remui %[[CLAMP2]], %{{.*}}
// CHECK:                 %[[OFFSET:.*]] = arith.subi %[[B]], %[[START]]
// CHECK:                 %[[FIRST:.*]] = arith.remui %[[OFFSET]], %{{.*}}
// CHECK:                 memref.load %[[V]]
// CHECK:                 memref.store %{{.*}}, %[[TILE2]]
// CHECK:                 gpu.barrier
// CHECK:                 memref.load %[[TILE2]]
// CHECK:                 scf.if
// CHECK-NEXT:              memref.store
// CHECK:               } {cnnc.aligned_segment = 256 : i64}
// A part aligned to 128 only: blocks may straddle two parts; not staged.
// CHECK-LABEL: func.func @misaligned(
// CHECK-NOT:     gpu.barrier
// CHECK:         return
func.func @merged(%w: memref<8x64xf32> {llvm.noalias}, %v: memref<4x32xf32> {llvm.noalias},
                  %out: memref<?x64xf32> {llvm.noalias}, %out2: memref<?x32xf32> {llvm.noalias},
                  %n1: index, %start: index, %n2: index, %total: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c32 = arith.constant 32 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b) = (%c0) to (%total) step (%c256) {
    scf.parallel (%t) = (%c0) to (%c256) step (%c1) {
      %lin = arith.addi %t, %b : index
      %in = arith.cmpi ult, %lin, %total : index
      scf.if %in {
        %mine = arith.cmpi ult, %lin, %start : index
        scf.if %mine {
          %in1 = arith.cmpi ult, %lin, %n1 : index
          scf.if %in1 {
            %f = arith.remui %lin, %c64 : index
            %n = arith.divui %lin, %c64 : index
            %sum = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %zero) -> (f32) {
              %wv = memref.load %w[%k, %f] : memref<8x64xf32>
              %s = arith.addf %a, %wv : f32
              scf.yield %s : f32
            }
            memref.store %sum, %out[%n, %f] : memref<?x64xf32>
          } {cnnc.aligned_segment = 256 : i64}
        } else {
          %local = arith.subi %lin, %start : index
          %in2 = arith.cmpi ult, %local, %n2 : index
          scf.if %in2 {
            %g = arith.remui %local, %c32 : index
            %m = arith.divui %local, %c32 : index
            %sum = scf.for %k = %c0 to %c4 step %c1 iter_args(%a = %zero) -> (f32) {
              %vv = memref.load %v[%k, %g] : memref<4x32xf32>
              %s = arith.addf %a, %vv : f32
              scf.yield %s : f32
            }
            memref.store %sum, %out2[%m, %g] : memref<?x32xf32>
          } {cnnc.aligned_segment = 256 : i64}
        }
      }
      scf.reduce
    } {mapping = [#thread]}
    scf.reduce
  } {mapping = [#block]}
  return
}

func.func @misaligned(%w: memref<8x64xf32> {llvm.noalias},
                      %out: memref<?x64xf32> {llvm.noalias}, %n1: index,
                      %start: index, %total: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%b) = (%c0) to (%total) step (%c256) {
    scf.parallel (%t) = (%c0) to (%c256) step (%c1) {
      %lin = arith.addi %t, %b : index
      %in = arith.cmpi ult, %lin, %total : index
      scf.if %in {
        %mine = arith.cmpi ult, %lin, %start : index
        scf.if %mine {
          %in1 = arith.cmpi ult, %lin, %n1 : index
          scf.if %in1 {
            %f = arith.remui %lin, %c64 : index
            %n = arith.divui %lin, %c64 : index
            %sum = scf.for %k = %c0 to %c8 step %c1 iter_args(%a = %zero) -> (f32) {
              %wv = memref.load %w[%k, %f] : memref<8x64xf32>
              %s = arith.addf %a, %wv : f32
              scf.yield %s : f32
            }
            memref.store %sum, %out[%n, %f] : memref<?x64xf32>
          } {cnnc.aligned_segment = 128 : i64}
        }
      }
      scf.reduce
    } {mapping = [#thread]}
    scf.reduce
  } {mapping = [#block]}
  return
}
