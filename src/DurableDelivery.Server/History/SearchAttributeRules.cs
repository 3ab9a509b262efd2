using System.Globalization;
using System.Text.Json;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;

namespace DurableDelivery.Server.History;

/// <summary>
/// Which search attributes a start, a child start, a continue-as-new or an upsert may set, and with what values, as
/// Temporal's validator decides (common/searchattribute/validator.go): registered custom attributes and the
/// predefined ones Temporal lets users set, each with a value of its type, at most 100 of them, 2 KB each, 40 KB in
/// all. System attributes cannot be set.
/// </summary>
internal static class SearchAttributeRules
{
    /// <summary>The most attributes per request or command.</summary>
    public const int MaxKeys = 100;

    /// <summary>The largest value.</summary>
    public const int MaxValueBytes = 2 * 1024;

    /// <summary>The largest total.</summary>
    public const int MaxTotalBytes = 40 * 1024;

    /// <summary>Predefined attributes users may set (sadefs.PredefinedWhiteList) and their types.</summary>
    public static IReadOnlyDictionary<string, IndexedValueType> Settable { get; } =
        new Dictionary<string, IndexedValueType>
        {
            ["TemporalChangeVersion"] = IndexedValueType.KeywordList,
            ["BinaryChecksums"] = IndexedValueType.KeywordList,
            ["BuildIds"] = IndexedValueType.KeywordList,
            ["BatcherNamespace"] = IndexedValueType.Keyword,
            ["BatcherUser"] = IndexedValueType.Keyword,
            ["TemporalScheduledStartTime"] = IndexedValueType.Datetime,
            ["TemporalScheduledById"] = IndexedValueType.Keyword,
            ["TemporalSchedulePaused"] = IndexedValueType.Bool,
            ["TemporalNamespaceDivision"] = IndexedValueType.Keyword,
            ["TemporalPauseInfo"] = IndexedValueType.KeywordList,
            ["TemporalReportedProblems"] = IndexedValueType.KeywordList,
        };

    /// <summary>System attributes: the server sets them, users cannot.</summary>
    private static readonly HashSet<string> SystemNames =
    [
        "WorkflowId", "RunId", "WorkflowType", "StartTime", "ExecutionTime", "CloseTime", "ExecutionStatus",
        "TaskQueue", "HistoryLength", "HistorySizeBytes", "ExecutionDuration", "StateTransitionCount",
        "ParentWorkflowId", "ParentRunId", "RootWorkflowId", "RootRunId", "NamespaceId",
    ];

    /// <summary>The problem with <paramref name="attributes"/>, in Temporal's words, or null when they are valid.
    /// </summary>
    /// <param name="attributes">The attributes to set (unset values included).</param>
    /// <param name="custom">The namespace's registered custom attributes.</param>
    public static string? Problem(SearchAttributes? attributes, IReadOnlyDictionary<string, IndexedValueType> custom)
    {
        if (attributes is null || attributes.IndexedFields.Count == 0)
        {
            return null;
        }

        if (attributes.IndexedFields.Count > MaxKeys)
        {
            return $"number of search attributes {attributes.IndexedFields.Count} exceeds limit {MaxKeys}";
        }

        foreach (var (name, payload) in attributes.IndexedFields)
        {
            if (SystemNames.Contains(name))
            {
                return $"{name} attribute can't be set in SearchAttributes";
            }

            if (!custom.TryGetValue(name, out var type) && !Settable.TryGetValue(name, out type))
            {
                return $"search attribute {name} is not defined";
            }

            if (payload.Data.Length > MaxValueBytes)
            {
                return $"search attribute {name} value size {payload.Data.Length} exceeds size limit {MaxValueBytes}";
            }

            if (!SearchAttributeJson.IsUnset(payload) && !HasValueOfType(payload, type))
            {
                return $"invalid value for search attribute {name} of type {HistoryEngine.KindName(type)}: "
                    + payload.Data.ToStringUtf8();
            }
        }

        return attributes.CalculateSize() > MaxTotalBytes
            ? $"total size of search attributes {attributes.CalculateSize()} exceeds size limit {MaxTotalBytes}"
            : null;
    }

    /// <summary>Whether the payload's JSON is a value of the type (a list of such values, for any type, as
    /// Temporal still accepts).</summary>
    private static bool HasValueOfType(Payload payload, IndexedValueType type)
    {
        JsonElement value;
        try
        {
            using var document = JsonDocument.Parse(payload.Data.Memory);
            value = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return false;
        }

        if (value.ValueKind == JsonValueKind.Array)
        {
            return value.EnumerateArray().All(item => IsScalarOfType(item, type));
        }

        return IsScalarOfType(value, type);
    }

    private static bool IsScalarOfType(JsonElement value, IndexedValueType type) => type switch
    {
        IndexedValueType.Keyword or IndexedValueType.Text or IndexedValueType.KeywordList =>
            value.ValueKind == JsonValueKind.String,
        IndexedValueType.Int => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        IndexedValueType.Double => value.ValueKind == JsonValueKind.Number,
        IndexedValueType.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        IndexedValueType.Datetime => value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(
            value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _),
        _ => false,
    };
}
