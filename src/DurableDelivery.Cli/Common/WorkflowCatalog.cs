using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using DurableDelivery.Workflows;
using Temporalio.Workflows;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// The workflow types this build of ddctl knows (those of <see cref="WorkflowRegistry"/>, which its worker hosts), read
/// through the Temporal SDK's own <see cref="WorkflowDefinition"/> (so names are the ones a worker registers), so that
/// commands reject unknown types, handler names and badly shaped arguments BEFORE anything is sent to Temporal. (Temporal
/// cannot check argument shapes: a bad payload would fail the workflow task, or the handler, later inside the worker; and
/// a signal of an unknown name is only dropped by the worker with a warning.)
/// </summary>
internal sealed class WorkflowCatalog
{
    // Stricter than the payload converter on purpose: an unknown property, a missing required constructor parameter or a
    // null where the type says non-null is almost always a typo at the command line.
    private static readonly JsonSerializerOptions Strict = new(DeliveryDataConverter.Json)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    private readonly Dictionary<string, WorkflowShape> types;

    private WorkflowCatalog(IEnumerable<Type> workflowTypes) =>
        types = workflowTypes.Select(WorkflowShape.Of).ToDictionary(s => s.Name, StringComparer.Ordinal);

    public static WorkflowCatalog Default { get; } = new(WorkflowRegistry.WorkflowTypes);

    public IEnumerable<string> TypeNames => types.Keys.Order(StringComparer.Ordinal);

    public WorkflowShape? Find(string workflowType) => types.GetValueOrDefault(workflowType);

    public WorkflowShape Require(string workflowType) => Find(workflowType)
        ?? throw CliException.BadInput($"unknown workflow type '{workflowType}'; known types: {string.Join(", ", TypeNames)}.");

    /// <summary>Checks an argument list (a JSON array) against a method's parameters; a <see langword="null"/> method (a dynamic handler) takes anything.</summary>
    public static void CheckArgs(MethodInfo? method, string argsJson, string what)
    {
        if (method is null)
        {
            return;
        }

        var parameters = method.GetParameters();
        using var doc = JsonDocument.Parse(argsJson);
        var given = doc.RootElement.GetArrayLength();
        var required = parameters.Count(p => !p.HasDefaultValue);
        var signature = Signature(parameters);
        if (given > parameters.Length || given < required)
        {
            var expected = required == parameters.Length ? $"{parameters.Length}" : $"{required} to {parameters.Length}";
            throw CliException.BadInput($"{what} takes {expected} argument(s) {signature} but {given} were given; pass one --input per argument.");
        }

        var nullability = new NullabilityInfoContext();
        for (var i = 0; i < given; i++)
        {
            var p = parameters[i];
            var element = doc.RootElement[i];
            if (element.ValueKind == JsonValueKind.Null)
            {
                if (nullability.Create(p).WriteState == NullabilityState.NotNull || (p.ParameterType.IsValueType && Nullable.GetUnderlyingType(p.ParameterType) is null))
                {
                    throw CliException.BadInput($"argument {i + 1} ({p.Name}) of {what} must not be null; it takes {signature}.");
                }

                continue;
            }

            try
            {
                element.Deserialize(Strict.GetTypeInfo(p.ParameterType));
            }
            catch (JsonException e)
            {
                var detail = e.Message.Split(" Path: ", 2)[0].TrimEnd('.');
                throw CliException.BadInput($"argument {i + 1} ({p.Name}) of {what} does not fit {TypeName(p.ParameterType)}: {detail}; it takes {signature}.");
            }
        }
    }

    private static string Signature(ParameterInfo[] parameters) =>
        "(" + string.Join(", ", parameters.Select(p => $"{p.Name}: {TypeName(p.ParameterType)}{(p.HasDefaultValue ? " = optional" : string.Empty)}")) + ")";

    private static string TypeName(Type t) => t switch
    {
        _ when t == typeof(string) => "string",
        _ when t == typeof(int) => "int",
        _ when t == typeof(long) => "long",
        _ when t == typeof(bool) => "bool",
        _ when t.IsGenericType => $"{t.Name[..t.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", t.GetGenericArguments().Select(TypeName))}>",
        _ => t.Name,
    };

    /// <summary>One workflow type: its run method and its handlers by name (a <see langword="null"/> method: a dynamic handler takes any name).</summary>
    internal sealed record WorkflowShape(
        string Name,
        MethodInfo Run,
        IReadOnlyDictionary<string, MethodInfo?> Signals,
        bool DynamicSignal,
        IReadOnlyDictionary<string, MethodInfo?> Queries,
        bool DynamicQuery,
        IReadOnlyDictionary<string, MethodInfo?> Updates,
        bool DynamicUpdate)
    {
        [UnconditionalSuppressMessage("Trimming", "IL2070", Justification = "Workflow types come from WorkflowRegistry, whose assembly the native build roots whole (TrimmerRootAssembly in ddctl's project).")]
        public static WorkflowShape Of(Type type)
        {
            var definition = WorkflowDefinition.Create(type);

            // The definition names the handlers as a worker registers them; their methods come from the SDK's own
            // per-member definitions (the definition keeps its methods to itself).
            var members = new Dictionary<(string Kind, string Name), MethodInfo>();
            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
            foreach (var m in type.GetMethods(All))
            {
                if (m.IsDefined(typeof(WorkflowSignalAttribute), inherit: true))
                {
                    members.TryAdd(("signal", WorkflowSignalDefinition.FromMethod(m).Name ?? string.Empty), m);
                }

                if (m.IsDefined(typeof(WorkflowQueryAttribute), inherit: true))
                {
                    members.TryAdd(("query", WorkflowQueryDefinition.FromMethod(m).Name ?? string.Empty), m);
                }

                if (m.IsDefined(typeof(WorkflowUpdateAttribute), inherit: true))
                {
                    members.TryAdd(("update", WorkflowUpdateDefinition.FromMethod(m, null).Name ?? string.Empty), m);
                }
            }

            foreach (var p in type.GetProperties(All))
            {
                if (p.IsDefined(typeof(WorkflowQueryAttribute), inherit: true) && p.GetMethod is { } getter)
                {
                    members.TryAdd(("query", WorkflowQueryDefinition.FromProperty(p).Name ?? string.Empty), getter);
                }
            }

            Dictionary<string, MethodInfo?> Handlers(string kind, IEnumerable<string> names) =>
                names.ToDictionary(n => n, n => members.GetValueOrDefault((kind, n)), StringComparer.Ordinal);

            return new WorkflowShape(
                definition.Name ?? type.Name,
                definition.RunMethod,
                Handlers("signal", definition.Signals.Keys),
                definition.DynamicSignal is not null,
                Handlers("query", definition.Queries.Keys),
                definition.DynamicQuery is not null,
                Handlers("update", definition.Updates.Keys),
                definition.DynamicUpdate is not null);
        }

        public MethodInfo? RequireSignal(string name) => RequireHandler(Signals, DynamicSignal, name, "signal");

        /// <remarks>Temporal's built-in queries (<c>__stack_trace</c>, <c>__temporal_workflow_metadata</c>) are answered by every worker.</remarks>
        public MethodInfo? RequireQuery(string name) => name.StartsWith("__", StringComparison.Ordinal) ? null : RequireHandler(Queries, DynamicQuery, name, "query");

        public MethodInfo? RequireUpdate(string name) => RequireHandler(Updates, DynamicUpdate, name, "update");

        private MethodInfo? RequireHandler(IReadOnlyDictionary<string, MethodInfo?> handlers, bool dynamic, string name, string kind)
        {
            if (handlers.TryGetValue(name, out var method))
            {
                return method;
            }

            return dynamic
                ? null
                : throw CliException.BadInput(
                    $"workflow type '{Name}' has no {kind} '{name}'; known {kind} names: {(handlers.Count == 0 ? "(none)" : string.Join(", ", handlers.Keys.Order(StringComparer.Ordinal)))}.");
        }
    }
}
