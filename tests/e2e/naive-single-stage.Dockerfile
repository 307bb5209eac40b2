# A deliberately naive, single-stage Dockerfile for one generated service (auth-service),
# written the way a service is often containerised before the standard applies. run.sh builds
# it with services/auth-service/ as the context only to measure the standard's claim
# "Achieve 50%+ size reduction through multi-stage builds" against the generated multi-stage
# Dockerfile, and as a positive control for the image checks (it has a compiler, and with no
# .dockerignore it copies the decoy .env file). Do not copy it.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y build-essential gcc
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
EXPOSE 8001
CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8001"]
