"""Layer 7 - showing results: plots (:mod:`.plots`, each draws only what a derive function
returns), the HTML report (:mod:`.report`), text/HTML reprs (:mod:`.display`) and the
model in math (:mod:`.describe`)."""
