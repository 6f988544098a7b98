"""Files in and out: images (`images`), video files and frame folders read (`video`) and written (`writing`), model
checkpoints (`checkpoint`); every file is written all or nothing (`atomic`); progress lines for long loops
(`progress`).
"""
