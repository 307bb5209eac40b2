{{ header_hash }}
{% raw %}<#
.SYNOPSIS
    Show the state and health of every container of the stack, once or continuously.

.DESCRIPTION
    The standard's "Health monitoring" command, as a thin wrapper around
    scripts/verify-stack.py health (needs Python 3.11+ and Docker with Compose v2).
    Exit code: verify-stack.py's (0 every container healthy, 1 one is not,
    2 usage or configuration error); -Continuous runs until interrupted (Ctrl-C).

.PARAMETER Continuous
    Repeat the check every -IntervalSec seconds until interrupted.

.PARAMETER IntervalSec
    Seconds between checks (default 10).

.PARAMETER WaitSec
    Poll until every container is healthy; fail after this many seconds.

.PARAMETER Environment
    docker-compose.<Environment>.yml and .env.<Environment> are used (default: dev).

.EXAMPLE
    .\scripts\docker-health-monitor.ps1 -Continuous
#>
[CmdletBinding()]
param(
    [switch]$Continuous,
    [ValidateRange(1, 3600)]
    [int]$IntervalSec = 10,
    [ValidateRange(0, 86400)]
    [int]$WaitSec = 0,
    [string]$Environment = ""
)

$arguments = @("health", "--interval", "$IntervalSec")
if ($Continuous) { $arguments += "--watch" }
elseif ($WaitSec -gt 0) { $arguments += @("--wait", "$WaitSec") }
if ($Environment) { $arguments += @("--env", $Environment) }
{% endraw -%}
{% include "scripts/_run-verify-stack.ps1.tera" %}
