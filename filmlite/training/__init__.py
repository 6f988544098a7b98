"""Training an interpolator: the settings and recipes (`config`), the loop (`train`) and its flags (`cli`), the run
folder's log and lock (`run_folder`), the training data and FILM's augmentation (`data`), the image losses
(`losses`, with the ImageNet networks they read features from) and objectives any model can use (`objective`).

What a model's loss is made of lives with the model (`filmlite.film.objective` for FILM); the loop calls it.
"""
