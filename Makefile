# Thin wrappers around ./dev, which works without make on a fresh machine.
.PHONY: run test lint typecheck bench
run:
	./dev run
test:
	./dev test
lint:
	./dev lint
typecheck:
	./dev typecheck
bench:
	./dev bench
