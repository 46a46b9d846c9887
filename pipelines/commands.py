"""Commands added by the model, recsys, EBPM and monitoring work (registered on import)."""
