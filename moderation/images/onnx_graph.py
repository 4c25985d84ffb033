"""dlib's face-encoder ResNet, as read by ``dlib_net``, rebuilt as an ONNX graph.

The graph computes exactly what dlib's ``loss_metric`` network does on a
150×150 face chip: (pixel − mean) / 256 per channel, then the layers in order.
Two dlib behaviours need care:

* a residual block's shortcut is its input (or, in a down-sampling block, that
  input average-pooled 2×2); and
* ``add_prev`` adds tensors of different shapes by treating what one lacks as
  zeros (more channels after a down-sampling block; 3×3 against a 4×4 shortcut),
  so the smaller one is zero-padded at its end before the ``Add``.

The input is a batch of RGB chips as uint8, shape (N, 150, 150, 3), as
``dlib.get_face_chip`` returns them; the output is (N, 128) float32.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from moderation.images.dlib_net import Layer, ModelFormatError

INPUT, OUTPUT = "chips", "encodings"
OPSET = 17


@dataclass
class _Builder:
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    weights: list[onnx.TensorProto] = field(default_factory=list)
    count: int = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def const(self, stem: str, value: np.ndarray) -> str:
        name = self.name(stem)
        self.weights.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, kind: str, inputs: list[str], **attrs: Any) -> str:
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [out], **attrs))
        return out


Shape = tuple[int, int, int]  # channels, rows, columns


def build_graph(layers: list[Layer]) -> onnx.ModelProto:
    """The ONNX model of the network; raises ModelFormatError on an unexpected layer order."""
    if not layers or layers[0].kind != "input":
        raise ModelFormatError("the network has no input layer")
    b = _Builder()
    x, shape = _normalise(b, layers[0]), (3, layers[0].ints["rows"], layers[0].ints["cols"])
    block_in: tuple[str, Shape] = (x, shape)
    shortcut: tuple[str, Shape] | None = None
    previous = "input"
    for layer in layers[1:]:
        if layer.kind == "con":
            x, shape = _conv(b, layer, x, shape)
        elif layer.kind == "affine":
            gamma = layer.arrays["gamma"].reshape(1, -1, 1, 1)
            beta = layer.arrays["beta"].reshape(1, -1, 1, 1)
            x = b.op("Add", [b.op("Mul", [x, b.const("gamma", gamma)]), b.const("beta", beta)])
        elif layer.kind == "relu":
            x = b.op("Relu", [x])
            if previous == "add_prev":
                block_in = (x, shape)
        elif layer.kind == "max_pool":
            x, shape = _pool(b, "MaxPool", layer, x, shape)
            block_in = (x, shape)
        elif layer.kind == "avg_pool" and layer.ints["rows"] == 0:
            x, shape = b.op("GlobalAveragePool", [x]), (shape[0], 1, 1)
        elif layer.kind == "avg_pool":
            if previous != "affine":
                raise ModelFormatError("an average pool outside a residual shortcut")
            shortcut = _pool(b, "AveragePool", layer, *block_in)
        elif layer.kind == "add_prev":
            x, shape = _add(b, (x, shape), shortcut or block_in)
            shortcut = None
        elif layer.kind == "fc":
            flat = b.op("Flatten", [x], axis=1)
            x = b.op("MatMul", [flat, b.const("fc", layer.arrays["weights"])])
            if np.any(layer.arrays["bias"]):
                x = b.op("Add", [x, b.const("fc_bias", layer.arrays["bias"])])
        else:
            raise ModelFormatError(f"no ONNX translation for dlib layer {layer.kind!r}")
        previous = layer.kind
    b.nodes.append(helper.make_node("Identity", [x], [OUTPUT]))
    return _model(b, layers[0])


def _normalise(b: _Builder, layer: Layer) -> str:
    mean = np.array([layer.floats[c] for c in ("red", "green", "blue")], np.float32)
    pixels = b.op("Cast", [INPUT], to=TensorProto.FLOAT)
    centred = b.op("Sub", [pixels, b.const("mean", mean)])
    scaled = b.op("Mul", [centred, b.const("scale", np.array(1 / 256, np.float32))])
    return b.op("Transpose", [scaled], perm=[0, 3, 1, 2])


def _conv(b: _Builder, layer: Layer, x: str, shape: Shape) -> tuple[str, Shape]:
    i = layer.ints
    weights = layer.arrays["weights"]
    if weights.shape[1] != shape[0]:
        raise ModelFormatError(
            f"a convolution expects {weights.shape[1]} channels, gets {shape[0]}")
    out = b.op("Conv", [x, b.const("w", weights), b.const("b", layer.arrays["bias"])],
               kernel_shape=[i["rows"], i["cols"]], strides=[i["stride_y"], i["stride_x"]],
               pads=[i["pad_y"], i["pad_x"], i["pad_y"], i["pad_x"]])
    return out, (i["filters"], *_out_size(shape, i))


def _pool(b: _Builder, kind: str, layer: Layer, x: str, shape: Shape) -> tuple[str, Shape]:
    i = layer.ints
    out = b.op(kind, [x], kernel_shape=[i["rows"], i["cols"]],
               strides=[i["stride_y"], i["stride_x"]],
               pads=[i["pad_y"], i["pad_x"], i["pad_y"], i["pad_x"]])
    return out, (shape[0], *_out_size(shape, i))


def _out_size(shape: Shape, i: dict[str, int]) -> tuple[int, int]:
    rows = 1 + (shape[1] + 2 * i["pad_y"] - i["rows"]) // i["stride_y"]
    cols = 1 + (shape[2] + 2 * i["pad_x"] - i["cols"]) // i["stride_x"]
    return rows, cols


def _add(b: _Builder, left: tuple[str, Shape], right: tuple[str, Shape]) -> tuple[str, Shape]:
    """dlib's add_prev: the sum over the larger shape, what a side lacks counting as zero."""
    shape = (max(left[1][0], right[1][0]), max(left[1][1], right[1][1]),
             max(left[1][2], right[1][2]))
    return b.op("Add", [_pad_to(b, *left, shape), _pad_to(b, *right, shape)]), shape


def _pad_to(b: _Builder, x: str, have: Shape, want: Shape) -> str:
    if have == want:
        return x
    pads = np.array([0, 0, 0, 0, 0, want[0] - have[0], want[1] - have[1], want[2] - have[2]],
                    np.int64)
    return b.op("Pad", [x, b.const("pads", pads)], mode="constant")


def _model(b: _Builder, first: Layer) -> onnx.ModelProto:
    rows, cols = first.ints["rows"], first.ints["cols"]
    graph = helper.make_graph(
        b.nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info(INPUT, TensorProto.UINT8, ["n", rows, cols, 3])],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["n", 128])],
        initializer=b.weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="secondlook")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model
