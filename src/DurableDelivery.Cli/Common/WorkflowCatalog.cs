using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using DurableDelivery.Engine.Common;
using DurableDelivery.Engine.Workflows;
using DurableDelivery.Workflows;

namespace DurableDelivery.Cli.Common;

/// <summary>
/// The workflow types this build of ddctl knows (those of <see cref="WorkflowRegistry"/>, which its worker hosts), read
/// from their attributes, so that commands reject unknown types, names and badly shaped arguments BEFORE anything is
/// written to the store. (The engine checks names too, but only once a worker has registered the type, and it cannot
/// check argument shapes: a bad payload would fail the workflow task later, inside the worker.)
/// </summary>
/// <remarks>Names follow the engine's (Temporal's) rules: the attribute's name, else the member name without <c>Async</c>.</remarks>
internal sealed class WorkflowCatalog
{
    // Stricter than the engine's payload options on purpose: an unknown property, a missing required constructor
    // parameter or a null where the type says non-null is almost always a typo at the command line.
    private static readonly JsonSerializerOptions Strict = new(PayloadConverter.Options)
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

    /// <summary>Checks an argument list (a JSON array) against a method's parameters.</summary>
    public static void CheckArgs(MethodInfo method, string argsJson, string what)
    {
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
                element.Deserialize(p.ParameterType, Strict);
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

    /// <summary>One workflow type: its run method and its handlers by name.</summary>
    internal sealed record WorkflowShape(
        string Name,
        MethodInfo Run,
        IReadOnlyDictionary<string, MethodInfo> Signals,
        IReadOnlyDictionary<string, MethodInfo> Queries,
        IReadOnlyDictionary<string, MethodInfo> Updates)
    {
        public static WorkflowShape Of(Type type)
        {
            var attribute = type.GetCustomAttribute<WorkflowAttribute>(inherit: false)
                ?? type.GetInterfaces().Select(i => i.GetCustomAttribute<WorkflowAttribute>()).FirstOrDefault(a => a is not null);
            var name = attribute?.Name ?? DefaultTypeName(type);
            var methods = type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                .Concat(type.GetInterfaces().SelectMany(i => i.GetMethods()))
                .Where(m => !m.IsSpecialName)
                .ToList();
            var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Concat(type.GetInterfaces().SelectMany(i => i.GetProperties()));
            var run = methods.First(m => m.GetCustomAttribute<WorkflowRunAttribute>() is not null);
            return new WorkflowShape(
                name,
                run,
                Handlers(methods.Select(m => (m.GetCustomAttribute<WorkflowSignalAttribute>() is { } a ? a.Name ?? MemberName(m.Name) : null, m))),
                Handlers(methods.Select(m => (m.GetCustomAttribute<WorkflowQueryAttribute>() is { } a ? a.Name ?? MemberName(m.Name) : null, m))
                    .Concat(properties.Select(p => (p.GetCustomAttribute<WorkflowQueryAttribute>() is { } a && p.GetMethod is not null ? a.Name ?? p.Name : null, p.GetMethod!)))),
                Handlers(methods.Select(m => (m.GetCustomAttribute<WorkflowUpdateAttribute>() is { } a ? a.Name ?? MemberName(m.Name) : null, m))));
        }

        public MethodInfo RequireSignal(string name) => RequireHandler(Signals, name, "signal");

        public MethodInfo RequireQuery(string name) => RequireHandler(Queries, name, "query");

        public MethodInfo RequireUpdate(string name) => RequireHandler(Updates, name, "update");

        private MethodInfo RequireHandler(IReadOnlyDictionary<string, MethodInfo> handlers, string name, string kind) =>
            handlers.GetValueOrDefault(name)
            ?? throw CliException.BadInput(
                $"workflow type '{Name}' has no {kind} '{name}'; known {kind} names: {(handlers.Count == 0 ? "(none)" : string.Join(", ", handlers.Keys.Order(StringComparer.Ordinal)))}.");

        // The same handler seen through the class and an interface counts once.
        private static Dictionary<string, MethodInfo> Handlers(IEnumerable<(string? Name, MethodInfo Method)> handlers)
        {
            var map = new Dictionary<string, MethodInfo>(StringComparer.Ordinal);
            foreach (var (handlerName, method) in handlers)
            {
                if (handlerName is not null)
                {
                    map.TryAdd(handlerName, method);
                }
            }

            return map;
        }

        private static string DefaultTypeName(Type type)
        {
            var name = type.Name;
            var tick = name.IndexOf('`', StringComparison.Ordinal);
            name = tick > 0 ? name[..tick] : name;
            return type.IsInterface && name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]) ? name[1..] : name;
        }

        private static string MemberName(string methodName) =>
            methodName.Length > 5 && methodName.EndsWith("Async", StringComparison.Ordinal) ? methodName[..^5] : methodName;
    }
}
