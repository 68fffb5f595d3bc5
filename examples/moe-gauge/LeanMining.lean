/-
The Lean appendix of the moe-gauge paper: 1-bit sign quantisation of attention keys.
Importing this file builds every module of the appendix.
-/
import LeanMining.NeuralGeometry.JensenFloor
import LeanMining.NeuralGeometry.MomentRatio
import LeanMining.NeuralGeometry.BetaLocalHessian
import LeanMining.NeuralGeometry.MoEGauge
import LeanMining.NeuralGeometry.WoAmplification
import LeanMining.NeuralGeometry.Softmax
import LeanMining.NeuralGeometry.RankCorrection
