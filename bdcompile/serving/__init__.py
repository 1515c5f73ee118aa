"""Serving exported BlockDance variants on NVIDIA Triton Inference Server."""
