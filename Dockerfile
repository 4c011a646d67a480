# The mgdc-pipelines code location: a Dagster code server for the Helm chart (deploy/helm/values.yaml)
# and the image of every run pod the K8sRunLauncher starts.
#
#   docker build -t mgdc-pipelines:1 .                                    # serves the bundled demo spec
#   docker build -t my-app:1 --build-arg MGDC_SPEC=specs/my-app.yaml .    # serves your spec
#
# No secret is baked in: the spec names environment variables, and Kubernetes Secrets fill them
# in the pods (docs/incremental.md, "Production deployment").
FROM python:3.11-slim

# The spec this image serves, a path inside the build context.
ARG MGDC_SPEC=mgdc_pipelines/specs/demo.yaml

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The package and its pinned Dagster family (dagster-postgres for the instance database);
# dagster-k8s because run pods load the instance configuration, which names the K8sRunLauncher.
WORKDIR /tmp/mgdc-build
COPY pyproject.toml README.md LICENSE ./
COPY mgdc_pipelines ./mgdc_pipelines
RUN pip install . "dagster-k8s==0.29.27" \
    && rm -rf /tmp/mgdc-build

COPY ${MGDC_SPEC} /opt/mgdc/spec/mgdc.yaml
ENV MGDC_SPEC=/opt/mgdc/spec/mgdc.yaml

# A numeric non-root user, so that Kubernetes' runAsNonRoot can check it.
RUN useradd --uid 10001 --user-group --create-home --home-dir /home/mgdc mgdc
USER 10001:10001
WORKDIR /home/mgdc

EXPOSE 4000
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "mgdc_pipelines.definitions"]
