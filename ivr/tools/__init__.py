"""Programs and files outside the engine that ivr's tools use: Graphviz, espeak-ng and sox, sound folders."""
