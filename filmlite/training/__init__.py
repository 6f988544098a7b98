"""Training an interpolator: the loop and its command line (`train`), the training data and FILM's
augmentation (`data`), and the image losses (`losses`, with the ImageNet networks they read features from).
"""
