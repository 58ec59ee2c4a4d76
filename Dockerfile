FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bng_magento ./bng_magento
COPY tasks ./tasks
RUN pip install --no-cache-dir .
COPY config ./config
COPY mappings ./mappings
ENV BNG_MAGENTO_CONFIG_DIR=/app/config BNG_MAGENTO_MAPPINGS_DIR=/app/mappings \
    REMAP_SIGTERM=SIGQUIT PYTHONUNBUFFERED=1
USER nobody
