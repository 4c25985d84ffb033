"""Reads dlib's serialised face-encoder network (``dlib_face_recognition_resnet_model_v1.dat``).

The file is dlib's own serialisation of a ``loss_metric`` ResNet: each layer is
written as a version string and its fields, innermost (input) layer first.
Integers use dlib's compact encoding (a length byte, its top bit the sign, then
little-endian bytes), floats outside tensors a mantissa and an exponent, tensors
a version, four dimensions and raw little-endian float32, booleans one ASCII
byte. This reader follows that format field by field and insists on reaching
the end of the file exactly, so a different or damaged model fails here rather
than producing a wrong network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


class ModelFormatError(ValueError):
    """The model file is not the dlib network this reader knows."""


@dataclass(frozen=True)
class Layer:
    kind: str  # input, con, affine, relu, max_pool, avg_pool, add_prev, fc
    arrays: dict[str, np.ndarray] = field(default_factory=dict)
    ints: dict[str, int] = field(default_factory=dict)
    floats: dict[str, float] = field(default_factory=dict)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ModelFormatError(f"unexpected end of the model file at byte {self.pos}")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def integer(self) -> int:
        head = self.byte()
        size, negative = head & 0x0F, bool(head & 0x80)
        if not 1 <= size <= 8:
            raise ModelFormatError(f"bad integer at byte {self.pos - 1}")
        value = int.from_bytes(bytes(self.byte() for _ in range(size)), "little")
        return -value if negative else value

    def real(self) -> float:
        mantissa, exponent = self.integer(), self.integer()
        if exponent >= 32000:  # dlib's markers for infinities and NaN
            raise ModelFormatError(f"non-finite number before byte {self.pos}")
        return float(np.ldexp(float(mantissa), exponent))

    def flag(self) -> bool:
        value = self.byte()
        if value not in (0x30, 0x31):
            raise ModelFormatError(f"bad boolean at byte {self.pos - 1}")
        return value == 0x31

    def string(self) -> str:
        length = self.integer()
        if not 0 <= length <= 64:
            raise ModelFormatError(f"bad string length {length} at byte {self.pos}")
        raw = self.data[self.pos : self.pos + length]
        self.pos += length
        return raw.decode("ascii", errors="replace")

    def tensor(self) -> np.ndarray:
        if self.integer() != 2:
            raise ModelFormatError(f"unknown tensor version before byte {self.pos}")
        shape = tuple(self.integer() for _ in range(4))
        count = int(np.prod(shape))
        end = self.pos + 4 * count
        if end > len(self.data):
            raise ModelFormatError(f"tensor of {count} values runs past the end of the model file")
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos = end
        return values.reshape(shape).astype(np.float32)

    def alias(self) -> tuple[int, int, int, int]:
        if self.integer() != 1:
            raise ModelFormatError(f"unknown alias-tensor version before byte {self.pos}")
        n, k, nr, nc = (self.integer() for _ in range(4))
        return n, k, nr, nc


def read_network(path: Path) -> list[Layer]:
    """The layers from input to output, with their weights as float32 arrays."""
    reader = _Reader(path.read_bytes())
    if reader.integer() != 1 or reader.string() != "loss_metric_2":
        raise ModelFormatError(f"{path}: not a dlib loss_metric network")
    reader.real(), reader.real()  # the training margin and distance threshold
    # The wrappers' versions (1 to 3, two bytes each), outermost first, then the input layer.
    while reader.data[reader.pos : reader.pos + 2] in (b"\x01\x01", b"\x01\x02", b"\x01\x03"):
        reader.pos += 2
    layers = [_input(reader), _layer(reader)]
    _trailer(reader, input_adjacent=True)
    while reader.pos < len(reader.data):
        layers.append(_layer(reader))
        _trailer(reader, input_adjacent=False)
    return layers


def _input(reader: _Reader) -> Layer:
    if reader.string() != "input_rgb_image_sized":
        raise ModelFormatError("the network does not start with an input_rgb_image_sized layer")
    mean = {c: reader.real() for c in ("red", "green", "blue")}
    rows, cols = reader.integer(), reader.integer()
    return Layer("input", ints={"rows": rows, "cols": cols}, floats=mean)


def _trailer(reader: _Reader, input_adjacent: bool) -> None:
    """The training state dlib writes after each layer (flags, empty gradient tensors)."""
    for _ in range(3):
        reader.flag()
    for _ in range(3):
        reader.tensor()
    if input_adjacent:
        reader.integer()  # sample expansion factor


def _layer(reader: _Reader) -> Layer:
    name = reader.string()
    if name == "con_4":
        return _con(reader)
    if name in ("affine_", "affine_2"):
        params = reader.tensor().ravel()
        _, k, _, _ = reader.alias()
        reader.alias()
        reader.integer()  # mode (convolutional)
        if name == "affine_2":
            reader.flag()
        return Layer("affine", {"gamma": params[:k], "beta": params[k : 2 * k]})
    if name in ("relu_", "relu_2"):
        if name == "relu_2":
            reader.flag()
        return Layer("relu")
    if name in ("max_pool_2", "avg_pool_2"):
        keys = ("rows", "cols", "stride_y", "stride_x", "pad_y", "pad_x")
        return Layer(name[:-2], ints={k: reader.integer() for k in keys})
    if name == "add_prev_":
        return Layer("add_prev")
    if name in ("fc_2", "fc_3"):
        return _fc(reader, name)
    raise ModelFormatError(f"unknown layer {name!r} before byte {reader.pos}")


def _con(reader: _Reader) -> Layer:
    params = reader.tensor().ravel()
    filters = reader.integer()
    keys = ("rows", "cols", "stride_y", "stride_x", "pad_y", "pad_x")
    ints = {"filters": filters, **{k: reader.integer() for k in keys}}
    shape = reader.alias()
    reader.alias()  # the biases' shape: one per filter
    for _ in range(4):
        reader.real()  # learning-rate and weight-decay multipliers
    size = int(np.prod(shape))
    if shape[0] != filters or params.size != size + filters:
        raise ModelFormatError(f"convolution of {filters} filters has {params.size} weights")
    weights = params[:size].reshape(shape)
    return Layer("con", {"weights": weights, "bias": params[size:]}, ints)


def _fc(reader: _Reader, name: str) -> Layer:
    outputs, inputs = reader.integer(), reader.integer()
    params = reader.tensor().ravel()
    reader.alias(), reader.alias()
    bias_mode = reader.integer()
    for _ in range(4):
        reader.real()
    if name == "fc_3":
        reader.flag()
    has_bias = bias_mode == 0  # dlib's FC_HAS_BIAS; fc_no_bias is 1
    if params.size != inputs * outputs + (outputs if has_bias else 0):
        raise ModelFormatError(f"fully connected layer has {params.size} weights")
    weights = params[: inputs * outputs].reshape(inputs, outputs)
    bias = params[inputs * outputs :] if has_bias else np.zeros(outputs, np.float32)
    return Layer("fc", {"weights": weights, "bias": bias})
