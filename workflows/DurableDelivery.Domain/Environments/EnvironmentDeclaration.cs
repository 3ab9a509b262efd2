using System.Diagnostics.CodeAnalysis;
using DurableDelivery.Domain.Common;
using DurableDelivery.Domain.Gates;

namespace DurableDelivery.Domain.Environments;

/// <summary>
/// An environment as declared in <c>infra/environments/&lt;name&gt;.yaml</c>: provider, listener, instance count,
/// artifact mapping, rollout plan, gates, warm retention and supersede policy.
/// </summary>
/// <remarks>Read one with <see cref="Parse"/>, which fills every omitted setting with its documented default.</remarks>
public sealed record EnvironmentDeclaration
{
    /// <summary>Gets the environment name (letters, digits, <c>-</c>, <c>_</c>); the environment workflow's id is <c>env/&lt;name&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Gets the provider.</summary>
    public required ProviderKind Provider { get; init; }

    /// <summary>Gets the listener whose weights deliveries move.</summary>
    public required ListenerDeclaration Listener { get; init; }

    /// <summary>Gets how many instances each infra-set runs.</summary>
    /// <value>The default is 2.</value>
    public int Instances { get; set; } = 2;

    /// <summary>Gets which version set component is deployed and how its id maps to the provider's artifact.</summary>
    public required ArtifactMapping Artifact { get; init; }

    /// <summary>Gets the rollout plan.</summary>
    /// <value>The default is 5, 25, 50 (5 minute bakes), 100.</value>
    public RolloutPlan Rollout { get; set; } = new();

    /// <summary>Gets the health gate settings.</summary>
    /// <value>The default is error rate and latency p99, 50 data points, 98% confidence, marginal 75, pass 95.</value>
    public GateSettings Gates { get; set; } = new();

    /// <summary>Gets how many previously promoted infra-sets stay warm at 0% besides the last known good.</summary>
    /// <value>The default is 2. At least 1, so a rollback target stays warm after every promotion.</value>
    public int WarmRetention { get; set; } = 2;

    /// <summary>
    /// Gets how often the environment reads the health of the infra-sets it keeps (<c>healthCheckInterval</c>), so a
    /// rollback target whose instances died is reported before anyone needs it.
    /// </summary>
    /// <value>The default is 60 seconds; from <see cref="MinHealthCheckInterval"/> to <see cref="MaxHealthCheckInterval"/>.</value>
    public TimeSpan HealthCheckInterval { get; set; } = DefaultHealthCheckInterval;

    /// <summary>Gets what happens to waiting deliveries when a newer one is requested.</summary>
    /// <value>The default is <see cref="SupersedePolicy.SupersedeQueued"/>.</value>
    public SupersedePolicy Supersede { get; set; } = SupersedePolicy.SupersedeQueued;

    /// <summary>The default of <see cref="HealthCheckInterval"/>: 60 seconds.</summary>
    public static readonly TimeSpan DefaultHealthCheckInterval = TimeSpan.FromSeconds(60);

    /// <summary>The shortest <see cref="HealthCheckInterval"/>: 10 seconds (each check adds a timer and an activity per kept infra-set to history).</summary>
    public static readonly TimeSpan MinHealthCheckInterval = TimeSpan.FromSeconds(10);

    /// <summary>The longest <see cref="HealthCheckInterval"/>: 1 hour (a dead rollback target must not go unnoticed for longer).</summary>
    public static readonly TimeSpan MaxHealthCheckInterval = TimeSpan.FromHours(1);

    /// <summary>Parses and validates an environment declaration (YAML or JSON), reporting every problem at once.</summary>
    /// <param name="text">The file's text (the caller reads the file).</param>
    /// <param name="sourceName">The name used in messages, e.g. <c>infra/environments/demo.yaml</c>.</param>
    /// <returns>The declaration with defaults filled in when valid; otherwise every problem.</returns>
    public static ParseResult<EnvironmentDeclaration> Parse(string text, string sourceName)
    {
        var problems = new List<DomainProblem>();
        var input = new YamlInput(sourceName, problems);
        var root = input.LoadRoot(text, "environment declaration");
        return root is null
            ? ParseResult<EnvironmentDeclaration>.From(null, problems)
            : ParseResult<EnvironmentDeclaration>.From(EnvironmentReader.Read(input, root), problems);
    }

    /// <summary>
    /// Validates a declaration built in code or received in a request (rather than read by <see cref="Parse"/>, which
    /// already runs these checks): every gated rollout step bakes long enough for its health gate, and the health check
    /// interval is within its bounds.
    /// </summary>
    /// <param name="sourceName">The name used in messages, e.g. the file the declaration was read from.</param>
    /// <returns>Every problem, in plan order, then the interval's; empty when deliveries may follow the declaration.</returns>
    public IReadOnlyList<DomainProblem> Validate(string sourceName) =>
        [
            .. Rollout.BakeProblems(Gates).Select(p => new DomainProblem { Source = sourceName, Line = p.Step.Line, Message = p.Message }),
            .. HealthCheckIntervalProblem(HealthCheckInterval) is { } problem ? [new DomainProblem { Source = sourceName, Message = problem }] : Array.Empty<DomainProblem>(),
        ];

    /// <summary>Says what is wrong with a health check interval, or <see langword="null"/> when it is within bounds.</summary>
    internal static string? HealthCheckIntervalProblem(TimeSpan interval) =>
        interval < MinHealthCheckInterval || interval > MaxHealthCheckInterval
            ? $"'healthCheckInterval' is {DurationText.Format(interval)}; it must be from {DurationText.Format(MinHealthCheckInterval)} to {DurationText.Format(MaxHealthCheckInterval)}, e.g. 'healthCheckInterval: 1m'."
            : null;

    /// <summary>
    /// Whether <paramref name="name"/> is an environment name: ASCII letters, digits, '-' and '_', starting with a letter or
    /// digit. (A loop rather than a regular expression: <c>ddctl env rollback</c> checks the name on its way to the worker,
    /// and the regex engine's start-up would cost that emergency command milliseconds.)
    /// </summary>
    /// <param name="name">The name.</param>
    /// <returns><see langword="true"/> when the name is valid.</returns>
    public static bool IsValidName([NotNullWhen(true)] string? name)
    {
        if (string.IsNullOrEmpty(name) || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
