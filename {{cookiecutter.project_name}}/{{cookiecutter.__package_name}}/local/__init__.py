"""The whole pipeline on this machine, from the synthesized template (see __main__)."""
