{{ header_hash }}
{% raw %}<#
.SYNOPSIS
    Call every service's health route through the API gateway.

.DESCRIPTION
    The standard's "API Gateway testing" command, as a thin wrapper around
    scripts/verify-stack.py gateway (needs Python 3.11+ and Docker with Compose v2:
    the services and routes are read from the Compose configuration).
    Exit code: verify-stack.py's (0 every route answered 2xx, 1 one did not,
    2 usage or configuration error).

.PARAMETER BaseUrl
    The gateway's URL, e.g. http://localhost:8080 (default: the gateway's published port).

.PARAMETER TimeoutSec
    Seconds allowed per request (default 10).

.PARAMETER Environment
    docker-compose.<Environment>.yml and .env.<Environment> are used (default: dev).

.EXAMPLE
    .\scripts\test-api-gateway.ps1 -BaseUrl "http://localhost:8080" -TimeoutSec 10
#>
[CmdletBinding()]
param(
    [string]$BaseUrl = "",
    [ValidateRange(1, 3600)]
    [int]$TimeoutSec = 10,
    [string]$Environment = ""
)

$arguments = @("gateway", "--timeout", "$TimeoutSec")
if ($BaseUrl) { $arguments += @("--base-url", $BaseUrl) }
if ($Environment) { $arguments += @("--env", $Environment) }
{% endraw -%}
{% include "scripts/_run-verify-stack.ps1.tera" %}
