{{ header_hash }}
{% raw %}<#
.SYNOPSIS
    Build every service image with BuildKit and check each size against the standard's 400 MB target.

.DESCRIPTION
    The standard's "Optimized parallel build" command, as a thin wrapper around
    scripts/verify-stack.py build (needs Python 3.11+ and Docker with Compose v2).
    The images are built through `docker compose build` from the Compose files of the
    environment; one line per image gives its size against the target.
    Exit code: verify-stack.py's (0 ok, 1 a build failed or an image is over the target,
    2 usage or configuration error).

.PARAMETER Parallel
    Build all images concurrently (one Compose build) instead of one after another.

.PARAMETER NoCache
    Do not use the build cache.

.PARAMETER Environment
    docker-compose.<Environment>.yml and .env.<Environment> are used (default: dev).

.PARAMETER Service
    Build only these services (default: every service with a build section).

.EXAMPLE
    .\scripts\docker-build-optimized.ps1 -Parallel
#>
[CmdletBinding()]
param(
    [switch]$Parallel,
    [switch]$NoCache,
    [string]$Environment = "",
    [string[]]$Service = @()
)

$arguments = @("build")
if ($Parallel) { $arguments += "--parallel" }
if ($NoCache) { $arguments += "--no-cache" }
if ($Environment) { $arguments += @("--env", $Environment) }
$arguments += $Service
{% endraw -%}
{% include "scripts/_run-verify-stack.ps1.tera" %}
