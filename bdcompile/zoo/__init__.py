"""Models that ship with bdcompile (trained here, committed as safetensors)."""
