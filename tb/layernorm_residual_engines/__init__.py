"""Bench of the row-operation engines (rtl/layernorm_engine.sv, rtl/residual_engine.sv)."""
