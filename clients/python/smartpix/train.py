"""Quantization-aware training of the Smart Pixels network with the seed's own stack
(TensorFlow 2.15 + QKeras 0.9, the versions whose arithmetic the Swift integer engine
reproduces bit for bit), on data made by `smartpix training-data`.

The model is the seed's CreateModel((13, 21, S), n_filters=5, pool_size=3) with the quantizers
of ../shared/specs/quantization.md; the loss is the seed's negative log-likelihood of a
4-dimensional Gaussian whose scale_tril is built from the outputs
[x, L11, y, L22, cotA, L33, cotB, L44, L21, L31, L32, L41, L42, L43] (diagonal
1e-9 + max(raw, 0)), on labels scaled by [75 um, 18.75 um, 8, 0.5]. Sparsification:
`l1l2` (the seed's "non-MDMM" baseline: L1L2(0.01) kernels, L2(0.01) activity on the dense
layers) or `mdmm` (an equality constraint on the fraction of weights whose quantized code is 0, by the
modified differential method of multipliers: descent on the weights, ascent on the
multiplier, a damping term; the seed counted |w| < 1e-3 instead, which Adam's steps of about
the learning rate keep crossing).

With `--input flash` the network takes the chip's 2-bit flash-ADC codes instead, with the
three ADC thresholds learned with the weights (arXiv:2602.15946): the data's measured charge
(NAME-charge.npy) goes through `FlashADC`, hard codes forward and a soft step's gradient
backward; the summary gives the learned thresholds.

Usage (what `smartpix train` runs):
    python -m smartpix.train --data DIR --out PREFIX [--epochs 40 --batch 1024 --learning-rate 1e-3
        --seed 1 --sparsity none|l1l2|mdmm --target 0.7 --patience 6 --schedule plateau|cosine
        --input network|flash --init WEIGHTS.h5 [--init-thresholds T1,T2,T3]]
A flash network started from another (--init) needs that network's learned thresholds too:
the Keras weights do not hold them (they are in its model file).
Learning rate: `plateau` halves it after --decay-patience epochs without a better validation
loss; `cosine` lowers it every step from --learning-rate to 0 at the last of --epochs (half a
cosine period). Training stops after --patience epochs without a better validation loss. Writes PREFIX.h5 (Keras weights, the best epoch), PREFIX-log.csv (one row per epoch) and
prints a JSON summary as its last line on stdout; a progress line per epoch on stderr.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

LABEL_SCALES = np.array([75.0, 18.75, 8.0, 0.5], dtype=np.float32)
# Columns of the truth labels (TruthLabel order): the network's four targets.
TARGETS = {"x-midplane": 12, "y-midplane": 11, "cotAlpha": 9, "cotBeta": 10}
TARGET_ORDER = ["x-midplane", "y-midplane", "cotAlpha", "cotBeta"]


def load_set(folder, name, what="inputs"):
    """Input codes (int8, NHWC; the network sees code / 8, made batch by batch so that 20-slice
    sets fit in memory), or with what="charge" the measured charge (float32, NHWC, electrons),
    and scaled targets."""
    x = np.load(os.path.join(folder, f"{name}-{what}.npy"))
    truth = np.load(os.path.join(folder, f"{name}-labels.npy"), mmap_mode="r")
    y = np.stack([truth[:, TARGETS[t]] for t in TARGET_ORDER], axis=1).astype(np.float32) / LABEL_SCALES
    return x, y


def network_input(codes):
    return codes.astype(np.float32) / 8.0


# The SmartPix chip's flash thresholds, electrons: where learning starts from scratch.
CHIP_THRESHOLDS = (400.0, 1600.0, 2400.0)


def flash_adc_layer(thresholds=CHIP_THRESHOLDS, width=100.0, unit=100.0):
    """A 2-bit flash ADC whose three thresholds are trained: forward, the hard code k (how
    many thresholds the charge reaches, as the chip and the Swift front end compute it);
    backward, the gradient of sum sigmoid((q - t) / width) (straight through), which reaches
    the thresholds. Thresholds are kept increasing (t2 = t1 + softplus, ...) and learned in
    units of 100 e. The output is the network input k / 4, input code 2k."""
    import tensorflow as tf

    def inverse_softplus(v):
        return float(np.log(np.expm1(v)))

    class FlashADC(tf.keras.layers.Layer):
        def build(self, input_shape):
            t = np.array(thresholds) / unit
            self.raw = self.add_weight(name="thresholds", shape=(3,), trainable=True,
                                       initializer=tf.constant_initializer([t[0], inverse_softplus(t[1] - t[0]), inverse_softplus(t[2] - t[1])]))

        def thresholds(self):
            r = self.raw
            t1 = r[0]
            t2 = t1 + tf.nn.softplus(r[1])
            t3 = t2 + tf.nn.softplus(r[2])
            return tf.stack([t1, t2, t3]) * unit

        def call(self, q):
            t = self.thresholds()
            q = tf.expand_dims(q, -1)
            hard = tf.cast(q >= t, tf.float32)
            soft = tf.sigmoid((q - t) / width)
            return tf.reduce_sum(hard + soft - tf.stop_gradient(soft), axis=-1) / 4.0

    return FlashADC(name="flash_adc")


def create_model(shape, filters=5, pool=3, regularize=False):
    """The seed's CreateModel: quantizers as quantization.md, optional L1/L2 regularizers."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, QSeparableConv2D
    from tensorflow.keras.layers import AveragePooling2D, Flatten, Input
    from tensorflow.keras.models import Model

    reg = {}
    dense_reg = {}
    if regularize:
        reg = {"kernel_regularizer": tf.keras.regularizers.L1L2(0.01)}
        dense_reg = {"kernel_regularizer": tf.keras.regularizers.L1L2(0.01), "activity_regularizer": tf.keras.regularizers.L2(0.01)}
    x_in = Input(shape)
    x = QSeparableConv2D(filters, 3, depthwise_quantizer="quantized_bits(4,0,1,alpha=1)",
                         pointwise_quantizer="quantized_bits(4,0,1,alpha=1)", bias_quantizer="quantized_bits(4,0,alpha=1)",
                         **({"depthwise_regularizer": reg["kernel_regularizer"], "pointwise_regularizer": reg["kernel_regularizer"]}
                            if regularize else {}))(x_in)
    x = QActivation("quantized_tanh(4,0,1)")(x)
    x = QConv2D(filters, 1, kernel_quantizer="quantized_bits(4,0,alpha=1)", bias_quantizer="quantized_bits(4,0,alpha=1)", **reg)(x)
    x = QActivation("quantized_tanh(4,0,1)")(x)
    x = AveragePooling2D(pool)(x)
    x = QActivation("quantized_bits(8,0,alpha=1)")(x)
    x = Flatten()(x)
    for _ in range(2):
        x = QDense(16, kernel_quantizer="quantized_bits(8,0,alpha=1)", bias_quantizer="quantized_bits(8,0,alpha=1)", **dense_reg)(x)
        x = QActivation("quantized_tanh(8,0,1)")(x)
    x = QDense(14, kernel_quantizer="quantized_bits(8,0,alpha=1)", bias_quantizer="quantized_bits(8,0,alpha=1)")(x)
    return Model(x_in, x)


def load_initial(model, path, regularize=False):
    """Loads a trained network's weights into `model`. Weights of fewer time slices (2 into
    20) go to the slices at the same times (the first and the last, as TimeSlices.network
    keeps them). The other slices' pointwise weights are 0, so the wider network computes
    exactly what the narrower one did; their depthwise kernels are interpolated between the
    kept slices' (not 0: with both factors 0 neither gets a gradient, and the new slices
    would never be used)."""
    channels = model.input_shape[-1]
    errors = []
    for c in sorted({channels, 2, 20}, key=lambda c: c != channels):
        source = create_model(model.input_shape[1:-1] + (c,), regularize=regularize)
        try:
            source.load_weights(path)
        except (ValueError, KeyError) as e:
            errors.append(f"{c} slices: {e}")
            continue
        if c > channels:
            raise SystemExit(f"--init {path}: a network of {c} slices cannot start one of {channels}")
        keep = np.round(np.linspace(0, channels - 1, c)).astype(int)
        for src, dst in zip(source.layers, model.layers):
            widened = []
            for i, (w, target) in enumerate(zip(src.get_weights(), dst.get_weights())):
                if w.shape != target.shape:  # separable conv kernels: axis 2 is the input slice
                    wide = np.zeros_like(target)
                    if i == 0:  # depthwise: each slice between two kept ones gets their blend
                        for k in range(channels):
                            j = min(np.searchsorted(keep, k, side="right") - 1, c - 2)
                            f = (k - keep[j]) / (keep[j + 1] - keep[j])
                            wide[:, :, k] = (1 - f) * w[:, :, j] + f * w[:, :, j + 1]
                    wide[:, :, keep] = w
                    w = wide
                widened.append(w)
            dst.set_weights(widened)
        return
    raise SystemExit(f"--init {path}: not weights of this network ({'; '.join(errors)})")


def scale_tril(p, minval=1e-9):
    """The lower-triangular scale matrix L (covariance = L L^T) from the 14 outputs."""
    import tensorflow as tf

    d = minval + tf.maximum(p[:, 1:8:2], 0.0)
    o = p[:, 8:]
    z = tf.zeros_like(d[:, 0])
    rows = [tf.stack([d[:, 0], z, z, z], axis=-1), tf.stack([o[:, 0], d[:, 1], z, z], axis=-1),
            tf.stack([o[:, 1], o[:, 2], d[:, 2], z], axis=-1), tf.stack([o[:, 3], o[:, 4], o[:, 5], d[:, 3]], axis=-1)]
    return tf.stack(rows, axis=1)


def nll(y, p, minval=1e-9, maxval=1e9):
    """The seed's loss: -log of the Gaussian density, the density clipped to [1e-9, 1e9],
    summed over the batch. Computed in closed form (no tensorflow-probability): log N =
    -|L^-1 (y - mu)|^2 / 2 - sum log diag L - 2 log(2 pi)."""
    import tensorflow as tf

    L = scale_tril(p, minval)
    r = tf.expand_dims(y - p[:, 0:8:2], -1)
    w = tf.linalg.triangular_solve(L, r, lower=True)
    log_density = (-0.5 * tf.reduce_sum(tf.square(w), axis=[1, 2]) - tf.reduce_sum(tf.math.log(tf.linalg.diag_part(L)), axis=1)
                   - 2.0 * np.log(2 * np.pi))
    log_density = tf.clip_by_value(log_density, np.log(minval), np.log(maxval))
    return -tf.reduce_sum(log_density)


def start_with_wide_uncertainties(model, diagonal=0.5):
    """The diagonal of L is 1e-9 + max(raw, 0): from a random start most clusters have one
    raw diagonal <= 0, a density below the loss's 1e-9 clip and no gradient at all (the seed's
    loss, as it stands, never leaves its first value here). Starting the four diagonal
    outputs' biases at 0.5 (half the scaled label range) puts every cluster inside the clip."""
    last = model.layers[-1]
    kernel, bias = last.get_weights()
    bias[1:8:2] = diagonal
    last.set_weights([kernel, bias])


def zero_thresholds(model):
    """Each trainable array with the largest |w| its quantizer turns into code 0: half a step
    (4-bit kernels and biases: 1/16; 8-bit dense: 1/256; rhe(0.5) = 0). Sparsity is measured,
    and constrained, as the fraction of weights whose code is 0: what the integer model (and
    a chip) skips."""
    out = []
    for layer in model.layers:
        for v in layer.trainable_variables:
            bits = 8 if "dense" in layer.name else 4
            out.append((v, 0.5 / 2 ** (bits - 1)))
    return out


def sparsity(model):
    w = [(np.abs(v.numpy()) <= eps).ravel() for v, eps in zero_thresholds(model)]
    return float(np.mean(np.concatenate(w)))


def sparsity_with_surrogate_gradient(model, width=0.1):
    """The exact fraction of zero codes as the value, with the gradient of a smooth stand-in,
    mean exp(-|w| / width), which reaches weights well above their threshold (the weights'
    scale is 0.1-0.3)."""
    import tensorflow as tf

    pairs = zero_thresholds(model)
    total = sum(int(np.prod(v.shape)) for v, _ in pairs)
    hard = tf.add_n([tf.reduce_sum(tf.cast(tf.abs(v) <= eps, tf.float32)) for v, eps in pairs]) / total
    soft = tf.add_n([tf.reduce_sum(tf.exp(-tf.abs(v) / width)) for v, _ in pairs]) / total
    return hard + soft - tf.stop_gradient(soft)


def train(args):
    import tensorflow as tf

    tf.keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()
    flash = args.input == "flash"
    if flash and args.init and not args.init_thresholds:  # the Keras weights do not hold the learned thresholds
        raise SystemExit("--init: a flash-input network also needs its learned thresholds (--init-thresholds T1,T2,T3, electrons)")
    if args.init_thresholds and not (flash and args.init):
        raise SystemExit("--init-thresholds: only with --input flash and --init")
    # Checked before the data are loaded: a bad value fails at once.
    start_thresholds = parse_thresholds(args.init_thresholds) if args.init_thresholds else CHIP_THRESHOLDS
    what = "charge" if flash else "inputs"
    x, y = load_set(args.data, "train", what)
    xv, yv = load_set(args.data, "validation", what)
    model = create_model(x.shape[1:], regularize=args.sparsity == "l1l2")
    if args.init:  # fine-tuning (sparsifying, or widening 2 slices to 20) starts from its weights
        load_initial(model, args.init, regularize=args.sparsity == "l1l2")
    else:
        start_with_wide_uncertainties(model)
    feed = network_input
    network = model  # what is saved and imported: the QKeras network alone
    adc = None
    if flash:
        adc = flash_adc_layer(start_thresholds)
        x_in = tf.keras.layers.Input(x.shape[1:])
        model = tf.keras.models.Model(x_in, network(adc(x_in)))
        feed = lambda charge: charge.astype(np.float32)  # noqa: E731
    # Flash inputs: a batch can push every cluster past the loss's density clip at once (no
    # gradient ever after); gradients clipped to norm 1 keep the steps bounded.
    optimizer = tf.keras.optimizers.Adam(args.learning_rate, **({"clipnorm": 1.0} if args.input == "flash" else {}))
    lam = tf.Variable(0.0, trainable=False)  # MDMM multiplier

    @tf.function
    def step(xb, yb):
        with tf.GradientTape() as tape:
            p = model(xb, training=True)
            loss = nll(yb, p) / tf.cast(tf.shape(xb)[0], tf.float32)
            total = loss + tf.add_n(model.losses) if model.losses else loss
            if args.sparsity == "mdmm":
                # Equality constraint g = 0 (modified differential method of multipliers):
                # descent on the weights of loss + lambda g + damping g^2 / 2, ascent on lambda.
                g = args.target - sparsity_with_surrogate_gradient(network)
                total = total + args.scale * (lam * g + 0.5 * args.damping * g * g)
        grads = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        if args.sparsity == "mdmm":
            lam.assign_add(args.multiplier_rate * g)
        return loss

    def validation_loss():
        total = 0.0
        for i in range(0, len(xv), 8192):
            total += float(nll(yv[i:i + 8192], model(feed(xv[i:i + 8192]), training=False)))
        return total / len(xv)

    rng = np.random.default_rng(args.seed)
    best, best_epoch, waited = np.inf, -1, 0
    log_rows = []
    start = time.time()
    seen = 0
    weights_path = args.out + ".h5"
    start_sparsity = None
    if args.init:
        # The network it starts from is epoch 0: fine-tuning keeps it unless an epoch does better.
        start_sparsity = sparsity(network)
        if args.sparsity != "mdmm" or start_sparsity >= args.target - 0.01:
            best, best_epoch = validation_loss(), 0
            network.save_weights(weights_path)
            if adc:
                best_thresholds = [float(v) for v in adc.thresholds().numpy()]
            print(f"epoch 0 (--init): validation {best:.4f}, sparsity {start_sparsity:.3f}", file=sys.stderr, flush=True)
    steps_per_epoch = -(-len(x) // args.batch)
    for epoch in range(args.epochs):
        order = rng.permutation(len(x))
        losses = []
        for i in range(0, len(x), args.batch):
            if args.schedule == "cosine":
                done = (epoch * steps_per_epoch + i // args.batch) / (args.epochs * steps_per_epoch)
                optimizer.learning_rate.assign(args.learning_rate * 0.5 * (1 + np.cos(np.pi * done)))
            idx = np.sort(order[i:i + args.batch])
            losses.append(float(step(tf.constant(feed(x[idx])), tf.constant(y[idx]))))
            seen += len(idx)
        train_loss, val_loss = float(np.mean(losses)), validation_loss()
        s = sparsity(network)
        elapsed = time.time() - start
        rate = float(optimizer.learning_rate.numpy())  # the epoch's last step's
        log_rows.append((epoch + 1, train_loss, val_loss, s, float(lam.numpy()), rate, elapsed))
        print(f"epoch {epoch + 1}/{args.epochs}: loss {train_loss:.4f}, validation {val_loss:.4f}, sparsity {s:.3f}"
              f"{f', multiplier {float(lam.numpy()):.3g}' if args.sparsity == 'mdmm' else ''}"
              f"{', thresholds ' + ' '.join(f'{v:.0f}' for v in adc.thresholds().numpy()) + ' e' if adc else ''}, {seen / elapsed:.0f} samples/s",
              file=sys.stderr, flush=True)
        # MDMM: the best epoch is the best loss among those that meet the target sparsity.
        eligible = args.sparsity != "mdmm" or s >= args.target - 0.01
        if eligible and val_loss < best:
            best, best_epoch, waited = val_loss, epoch + 1, 0
            network.save_weights(weights_path)  # the checkpoint of the best epoch so far
            if adc:
                best_thresholds = [float(v) for v in adc.thresholds().numpy()]
        elif eligible:  # (MDMM: the plateau counts once the target is met)
            waited += 1
            if args.schedule == "plateau" and waited % args.decay_patience == 0:  # a plateau: smaller steps
                optimizer.learning_rate.assign(optimizer.learning_rate * 0.5)
            if waited >= args.patience:
                break
    if best_epoch < 0:
        network.save_weights(weights_path)
        if adc:
            best_thresholds = [float(v) for v in adc.thresholds().numpy()]
        best_epoch = len(log_rows)
        best = log_rows[-1][2]
    with open(args.out + "-log.csv", "w") as f:
        f.write("epoch,loss,validation_loss,sparsity,multiplier,learning_rate,seconds\n")
        for r in log_rows:
            f.write(",".join(f"{v:.6g}" if isinstance(v, float) else str(v) for v in r) + "\n")
    wall = time.time() - start
    return {"weights": weights_path, "epochs_run": len(log_rows), "best_epoch": best_epoch, "best_validation_loss": best,
            "final_training_loss": log_rows[-1][1], "sparsity": log_rows[best_epoch - 1][3] if best_epoch > 0 else start_sparsity, "wall_seconds": wall,
            "samples_per_second": seen / wall, "training_samples": int(len(x)), "validation_samples": int(len(xv)),
            **({"flash_thresholds_e": ",".join(repr(np.float32(v).item()) for v in best_thresholds)} if adc else {})}


def parse_thresholds(text):
    """Three increasing flash thresholds in electrons, "T1,T2,T3"."""
    try:
        t = [float(v) for v in text.split(",")]
    except ValueError:
        raise SystemExit(f"--init-thresholds {text}: not three numbers") from None
    if len(t) != 3 or not all(np.isfinite(t)) or not 0 < t[0] < t[1] < t[2]:
        raise SystemExit(f"--init-thresholds {text}: three increasing positive thresholds in electrons are needed")
    return tuple(t)


def main(argv):
    p = argparse.ArgumentParser(prog="smartpix.train", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="folder written by smartpix training-data")
    p.add_argument("--out", required=True, help="output prefix: PREFIX.h5, PREFIX-log.csv")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--batch", type=int, default=1024)
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sparsity", choices=["none", "l1l2", "mdmm"], default="none")
    p.add_argument("--target", type=float, default=0.7, help="MDMM: fraction of weights whose code is 0")
    p.add_argument("--damping", type=float, default=10.0)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--multiplier-rate", type=float, default=0.05)
    p.add_argument("--patience", type=int, default=6, help="early stopping: epochs without a better validation loss")
    p.add_argument("--input", choices=["network", "flash"], default="network",
                   help="network: the 4-bit network code of the data's inputs; flash: 2-bit flash codes of the data's charge, thresholds learned")
    p.add_argument("--init-thresholds", help="with --input flash and --init: the learned thresholds of the network it starts from, T1,T2,T3 electrons")
    p.add_argument("--init", help="start from these Keras weights (a trained network's PREFIX.h5) instead of a random start")
    p.add_argument("--schedule", choices=["plateau", "cosine"], default="plateau",
                   help="plateau: halve the learning rate after --decay-patience epochs without a better loss; cosine: to 0 at the last epoch")
    p.add_argument("--decay-patience", type=int, default=2, help="plateau: halve the learning rate after this many epochs without a better loss")
    args = p.parse_args(argv[1:])
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    summary = train(args)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
