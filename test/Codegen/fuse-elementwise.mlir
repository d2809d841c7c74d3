// Single-use element-wise producers fuse into their consumers; a producer
// with two users stays.
// RUN: cnnc-opt %s --cnn-fuse-elementwise | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// The pooling-gradient routing and relu's gradient become one loop nest.
// CHECK-LABEL: func.func @route_then_relu_grad
// CHECK:         linalg.generic
// CHECK:           arith.cmpi eq
// CHECK:           arith.select
// CHECK:           arith.cmpf ogt
// CHECK:           arith.select
// CHECK:           linalg.yield
// CHECK-NOT:     linalg.generic
// CHECK:         return
func.func @route_then_relu_grad(%dy: tensor<?x4xf32>, %pos: tensor<?x4xi32>, %y: tensor<?x4xf32>, %init: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %routed = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
              ins(%dy, %pos : tensor<?x4xf32>, tensor<?x4xi32>) outs(%init : tensor<?x4xf32>) {
  ^bb0(%g: f32, %p: i32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %c1 = arith.constant 1 : i32
    %hit = arith.cmpi eq, %p, %c1 : i32
    %r = arith.select %hit, %g, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  %grad = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
            ins(%y, %routed : tensor<?x4xf32>, tensor<?x4xf32>) outs(%init : tensor<?x4xf32>) {
  ^bb0(%yv: f32, %g: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %pos2 = arith.cmpf ogt, %yv, %zero : f32
    %r = arith.select %pos2, %g, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x4xf32>
  return %grad : tensor<?x4xf32>
}

// CHECK-LABEL: func.func @shared_producer
// CHECK-COUNT-3: linalg.generic
func.func @shared_producer(%x: tensor<?x4xf32>, %init: tensor<?x4xf32>) -> (tensor<?x4xf32>, tensor<?x4xf32>) {
  %sq = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
          ins(%x : tensor<?x4xf32>) outs(%init : tensor<?x4xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.mulf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
         ins(%sq : tensor<?x4xf32>) outs(%init : tensor<?x4xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.addf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
         ins(%sq : tensor<?x4xf32>) outs(%init : tensor<?x4xf32>) {
  ^bb0(%v: f32, %out: f32):
    %m = arith.subf %v, %v : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  return %a, %b : tensor<?x4xf32>, tensor<?x4xf32>
}
