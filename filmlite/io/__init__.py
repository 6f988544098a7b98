"""Files in and out: images (`images`), video files and frame folders (`video`), model checkpoints (`checkpoint`).
"""
