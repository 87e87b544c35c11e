# bench/local.mk: the benchmark harness (bench/run), shipped in the tarball.

EXTRA_DIST += \
	bench/run \
	bench/bench.py \
	bench/lookup.lua
