using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;

namespace DurableDelivery.Domain.Traffic;

/// <summary>
/// Listener weights: infra-set id to an integer weight from 0 to 999, as an ALB forward action takes them. A request
/// goes to an infra-set with probability weight / total.
/// </summary>
/// <remarks>Value semantics: two instances with the same entries are equal, whatever the order they were given in.</remarks>
public sealed record TrafficWeights
{
    /// <summary>The largest weight an ALB accepts for one target group.</summary>
    public const int MaxWeight = 999;

    private readonly ImmutableSortedDictionary<string, int> weights = ImmutableSortedDictionary.Create<string, int>(StringComparer.Ordinal);

    /// <summary>Gets no weights at all: the listener serves nothing (an environment before its first delivery).</summary>
    public static TrafficWeights None { get; } = new();

    /// <summary>Gets the weight of each infra-set, sorted by id.</summary>
    public IReadOnlyDictionary<string, int> Weights
    {
        get => weights;
        // Compile-time JSON metadata sets init-only properties even when the JSON omits them, with null: no weights.
        init => weights = (value ?? ImmutableSortedDictionary<string, int>.Empty).ToImmutableSortedDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets the sum of the weights.</summary>
    [JsonIgnore]
    public int Total => weights.Values.Sum();

    /// <summary>Gets the ids of the infra-sets whose weight is above zero, sorted.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> Receiving => weights.Where(kv => kv.Value > 0).Select(kv => kv.Key).ToArray();

    /// <summary>Returns weights that send everything to one infra-set (weight 100).</summary>
    /// <param name="infraSetId">The infra-set.</param>
    /// <returns>The weights.</returns>
    public static TrafficWeights All(string infraSetId) => Of((infraSetId, 100));

    /// <summary>Returns weights from pairs.</summary>
    /// <param name="entries">Infra-set ids and their weights; an id must appear once.</param>
    /// <returns>The weights.</returns>
    public static TrafficWeights Of(params (string InfraSetId, int Weight)[] entries) =>
        new() { Weights = entries.ToDictionary(e => e.InfraSetId, e => e.Weight, StringComparer.Ordinal) };

    /// <summary>Gets the weight of an infra-set; zero when it is not named.</summary>
    /// <param name="infraSetId">The infra-set.</param>
    /// <returns>The weight.</returns>
    public int WeightOf(string infraSetId) => weights.GetValueOrDefault(infraSetId);

    /// <summary>Gets the percent of traffic an infra-set takes; zero when the total is zero.</summary>
    /// <param name="infraSetId">The infra-set.</param>
    /// <returns>The percent, from 0 to 100.</returns>
    public double PercentOf(string infraSetId) => Total == 0 ? 0 : 100.0 * WeightOf(infraSetId) / Total;

    /// <summary>
    /// Checks the weights on their own: each from 0 to <see cref="MaxWeight"/>, only known infra-sets, a positive sum.
    /// </summary>
    /// <param name="knownInfraSetIds">The infra-sets that exist.</param>
    /// <returns>Every problem, one line each; empty when the weights are valid.</returns>
    public IReadOnlyList<string> Validate(IEnumerable<string> knownInfraSetIds)
    {
        var known = knownInfraSetIds.ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (id, weight) in weights)
        {
            if (weight is < 0 or > MaxWeight)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"weight of infra-set '{id}' is {weight}; weights must be from 0 to {MaxWeight}"));
            }

            if (!known.Contains(id))
            {
                problems.Add($"weights name infra-set '{id}', which does not exist; infra-sets: {List(known)}");
            }
        }

        if (Total <= 0)
        {
            problems.Add("weights sum to 0; at least one infra-set must take traffic");
        }

        return problems;
    }

    /// <inheritdoc/>
    public bool Equals(TrafficWeights? other) => other is not null && weights.Count == other.weights.Count && weights.All(kv => other.weights.TryGetValue(kv.Key, out var w) && w == kv.Value);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = 0;
        foreach (var (id, weight) in weights)
        {
            hash = HashCode.Combine(hash, StringComparer.Ordinal.GetHashCode(id), weight);
        }

        return hash;
    }

    /// <summary>Returns the weights as <c>a=90, b=10</c>.</summary>
    /// <returns>The weights as text, sorted by id; <c>(none)</c> when empty.</returns>
    public override string ToString() =>
        weights.Count == 0 ? "(none)" : string.Join(", ", weights.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value}")));

    internal static string List(IEnumerable<string> ids)
    {
        var text = string.Join(", ", ids.Order(StringComparer.Ordinal));
        return text.Length == 0 ? "(none)" : text;
    }
}
