"""The benchmark: a seeded data generator (bench.generate) and server-side timings (bench.run). See issue 15."""
