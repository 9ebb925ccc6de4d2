"""Frame models: configuration, training, the model, cues, model files, evaluation, history and audit.

Imports nothing itself, so that scoring can read a model file (:mod:`framing.model.files`)
without scikit-learn.
"""
