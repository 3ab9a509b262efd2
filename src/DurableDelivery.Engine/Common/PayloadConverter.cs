using System.Text.Json;
using System.Text.Json.Serialization;

namespace DurableDelivery.Engine.Common;

/// <summary>Converts workflow and activity arguments and results to and from JSON payloads.</summary>
/// <remarks>
/// Payloads are JSON (System.Text.Json, web defaults: camelCase, case-insensitive reads, enums as strings), so that
/// people can pass <c>--input '{"name":"x"}'</c> from the CLI and read histories directly.
/// </remarks>
public static class PayloadConverter
{
    /// <summary>Gets the serializer options used for every payload.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Serializes one value.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The JSON text.</returns>
    public static string Serialize(object? value) =>
        value is null ? "null" : JsonSerializer.Serialize(value, value.GetType(), Options);

    /// <summary>Serializes an argument list as a JSON array.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The JSON array text.</returns>
    public static string SerializeArgs(IReadOnlyCollection<object?> args)
    {
        if (args.Count == 0)
        {
            return "[]";
        }

        var elements = args.Select(a => a is null ? null : JsonSerializer.SerializeToNode(a, a.GetType(), Options));
        return new System.Text.Json.Nodes.JsonArray([.. elements]).ToJsonString(Options);
    }

    /// <summary>Deserializes one value.</summary>
    /// <param name="json">The JSON text; <c>null</c> means a null value.</param>
    /// <param name="type">The target type.</param>
    /// <returns>The value.</returns>
    public static object? Deserialize(string? json, Type type)
    {
        if (json is null || type == typeof(void))
        {
            return null;
        }

        return JsonSerializer.Deserialize(json, type, Options);
    }

    /// <summary>Deserializes one value.</summary>
    /// <typeparam name="T">The target type.</typeparam>
    /// <param name="json">The JSON text.</param>
    /// <returns>The value.</returns>
    public static T Deserialize<T>(string? json) => (T)Deserialize(json, typeof(T))!;

    /// <summary>Deserializes a JSON array of arguments into the parameter types of a method.</summary>
    /// <param name="json">A JSON array, or <c>null</c> for no arguments.</param>
    /// <param name="parameterTypes">The parameter types.</param>
    /// <param name="what">What the arguments are for, used in error messages (e.g. <c>signal 'approve'</c>).</param>
    /// <returns>The argument values.</returns>
    /// <exception cref="ArgumentException">The payload does not fit the parameters.</exception>
    public static object?[] DeserializeArgs(string? json, IReadOnlyList<Type> parameterTypes, string what)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            json = "[]";
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(json).RootElement;
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"Arguments for {what} are not valid JSON: {e.Message}", e);
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException($"Arguments for {what} must be a JSON array, got {root.ValueKind}.");
        }

        var count = root.GetArrayLength();
        if (count > parameterTypes.Count)
        {
            throw new ArgumentException($"{what} takes {parameterTypes.Count} argument(s) but {count} were given.");
        }

        var result = new object?[parameterTypes.Count];
        for (var i = 0; i < parameterTypes.Count; i++)
        {
            if (i >= count)
            {
                // Missing trailing arguments: allowed only when the parameter accepts null or a default.
                var t = parameterTypes[i];
                result[i] = t.IsValueType && Nullable.GetUnderlyingType(t) is null ? Activator.CreateInstance(t) : null;
                continue;
            }

            try
            {
                result[i] = root[i].Deserialize(parameterTypes[i], Options);
            }
            catch (JsonException e)
            {
                throw new ArgumentException(
                    $"Argument {i + 1} of {what} does not fit type {parameterTypes[i].Name}: {e.Message}", e);
            }
        }

        return result;
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
