"""Python side of the smart-pixel readout simulator: read its ZeroMQ streams as numpy arrays,
write datasets in the smart-pixels-ml layout, read Keras/QKeras weights files.

Only numpy and pyzmq are needed to read streams; pandas/pyarrow for parquet, h5py for weights.
"""
from .stream import Stream, Frames, Predictions  # noqa: F401
