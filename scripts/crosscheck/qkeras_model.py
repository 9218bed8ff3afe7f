"""Builds the Smart Pixels network in QKeras 0.9.0 (quantization.md) and loads a smartpix
model file's weights into it, so that QKeras itself can be compared with our engines."""
import json

import numpy as np


def build(arch, types):
    from qkeras import QActivation, QConv2D, QDense, QSeparableConv2D
    from tensorflow.keras.layers import AveragePooling2D, Flatten, Input
    from tensorflow.keras.models import Model

    def q(name):
        t = types[name]
        if t["kind"] == "quantized_tanh":
            return f"quantized_tanh({t['bits']},0,{int(t['symmetric'])})"
        return f"quantized_bits({t['bits']},{t.get('integer', 0)},{int(t['symmetric'])},alpha=1)"

    x_in = Input((arch["rows"], arch["columns"], arch["slices"]))
    x = QSeparableConv2D(arch["filters"], arch["kernel"], depthwise_quantizer=q("depthwise"), pointwise_quantizer=q("pointwise"),
                         bias_quantizer=q("separable_bias"))(x_in)
    x = QActivation(q("separable_activation"))(x)
    x = QConv2D(arch["filters"], 1, kernel_quantizer=q("conv_kernel"), bias_quantizer=q("conv_bias"))(x)
    x = QActivation(q("conv_activation"))(x)
    x = AveragePooling2D(arch["pool"])(x)
    x = QActivation(q("pool_activation"))(x)
    x = Flatten()(x)
    for width in arch["hidden"]:
        x = QDense(width, kernel_quantizer=q("dense_kernel"), bias_quantizer=q("dense_bias"))(x)
        x = QActivation(q("dense_activation"))(x)
    x = QDense(arch["outputs"], kernel_quantizer=q("dense_kernel"), bias_quantizer=q("dense_bias"))(x)
    return Model(x_in, x)


def load(path):
    doc = json.load(open(path))
    model = build(doc["architecture"], doc["types"])
    t = doc["tensors"]

    def value(name):
        return (np.array(t[name]["codes"], dtype=np.float64) * t[name]["scale"]).reshape(t[name]["shape"]).astype(np.float32)

    layers = [l for l in model.layers if l.get_weights()]
    layers[0].set_weights([value("depthwise_kernel"), value("pointwise_kernel"), value("separable_bias")])
    layers[1].set_weights([value("conv_kernel"), value("conv_bias")])
    for i, layer in enumerate(layers[2:]):
        layer.set_weights([value(f"dense_{i}_kernel"), value(f"dense_{i}_bias")])
    return model, doc
