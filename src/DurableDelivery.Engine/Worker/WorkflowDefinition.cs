using System.Reflection;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Worker;

/// <summary>A signal, query or update handler of a workflow definition.</summary>
internal sealed record HandlerDefinition(
    string Name,
    MethodInfo Method,
    Type[] ParameterTypes,
    Type? ResultType,
    MethodInfo? Validator);

/// <summary>The shape of a workflow type, read once from its attributes.</summary>
internal sealed class WorkflowDefinition
{
    private WorkflowDefinition(string name, Type type, MethodInfo run)
    {
        Name = name;
        Type = type;
        RunMethod = run;
        RunParameterTypes = [.. run.GetParameters().Select(p => p.ParameterType)];
        ResultType = UnwrapTask(run.ReturnType);
    }

    public string Name { get; }

    public Type Type { get; }

    public MethodInfo RunMethod { get; }

    public Type[] RunParameterTypes { get; }

    public Type? ResultType { get; }

    /// <summary>Gets the [WorkflowInit] constructor, which receives the run method's arguments; null for a parameterless one.</summary>
    public ConstructorInfo? InitConstructor { get; private set; }

    public Dictionary<string, HandlerDefinition> Signals { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, HandlerDefinition> Queries { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, HandlerDefinition> Updates { get; } = new(StringComparer.Ordinal);

    public static WorkflowDefinition Create(Type type)
    {
        var attr = FindWorkflowAttribute(type)
            ?? throw new ArgumentException($"Type {type.FullName} is not a workflow: add [Workflow] to the class.");
        if (type.IsInterface || type.IsAbstract)
        {
            throw new ArgumentException($"Workflow {type.FullName} must be a concrete class to be registered on a worker.");
        }

        var inits = type.GetConstructors().Where(c => c.GetCustomAttribute<WorkflowInitAttribute>() is not null).ToList();
        if (inits.Count > 1)
        {
            throw new ArgumentException($"Workflow {type.FullName} has {inits.Count} [WorkflowInit] constructors; keep one.");
        }

        if (inits.Count == 0 && type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw new ArgumentException($"Workflow {type.FullName} needs a public parameterless constructor or a [WorkflowInit] constructor.");
        }

        var methods = AllMethods(type).ToList();
        var runs = methods.Where(m => m.GetCustomAttribute<WorkflowRunAttribute>() is not null).ToList();
        if (runs.Count != 1)
        {
            throw new ArgumentException($"Workflow {type.FullName} must have exactly one [WorkflowRun] method; found {runs.Count}.");
        }

        var run = runs[0];
        if (!typeof(Task).IsAssignableFrom(run.ReturnType))
        {
            throw new ArgumentException($"[WorkflowRun] method {type.Name}.{run.Name} must return Task or Task<T>.");
        }

        var def = new WorkflowDefinition(attr.Name ?? DefaultTypeName(type), type, run);
        if (inits.Count == 1)
        {
            if (!inits[0].GetParameters().Select(p => p.ParameterType).SequenceEqual(def.RunParameterTypes))
            {
                throw new ArgumentException($"The [WorkflowInit] constructor of {type.FullName} must take exactly the parameters of {run.Name}.");
            }

            def.InitConstructor = inits[0];
        }

        var validators = methods
            .Select(m => (Method: m, Attr: m.GetCustomAttribute<WorkflowUpdateValidatorAttribute>()))
            .Where(x => x.Attr is not null)
            .ToDictionary(x => x.Attr!.UpdateMethod, x => x.Method, StringComparer.Ordinal);

        foreach (var m in methods)
        {
            if (m.GetCustomAttribute<WorkflowSignalAttribute>() is { } sig)
            {
                if (m.ReturnType != typeof(Task) && m.ReturnType != typeof(void))
                {
                    throw new ArgumentException($"[WorkflowSignal] method {type.Name}.{m.Name} must return Task.");
                }

                Add(def.Signals, new HandlerDefinition(sig.Name ?? DefaultMemberName(m.Name), m, Params(m), null, null), type, "signal");
            }

            if (m.GetCustomAttribute<WorkflowQueryAttribute>() is { } q)
            {
                if (typeof(Task).IsAssignableFrom(m.ReturnType) || m.ReturnType == typeof(void))
                {
                    throw new ArgumentException($"[WorkflowQuery] method {type.Name}.{m.Name} must be synchronous and return a value.");
                }

                Add(def.Queries, new HandlerDefinition(q.Name ?? DefaultMemberName(m.Name), m, Params(m), m.ReturnType, null), type, "query");
            }

            if (m.GetCustomAttribute<WorkflowUpdateAttribute>() is { } u)
            {
                if (!typeof(Task).IsAssignableFrom(m.ReturnType))
                {
                    throw new ArgumentException($"[WorkflowUpdate] method {type.Name}.{m.Name} must return Task or Task<T>.");
                }

                validators.TryGetValue(m.Name, out var validator);
                validators.Remove(m.Name);
                if (validator is not null && !validator.GetParameters().Select(p => p.ParameterType).SequenceEqual(Params(m)))
                {
                    throw new ArgumentException($"Validator {type.Name}.{validator.Name} must take the same parameters as update {m.Name}.");
                }

                Add(def.Updates, new HandlerDefinition(u.Name ?? DefaultMemberName(m.Name), m, Params(m), UnwrapTask(m.ReturnType), validator), type, "update");
            }
        }

        foreach (var p in AllProperties(type))
        {
            if (p.GetCustomAttribute<WorkflowQueryAttribute>() is { } q && p.GetMethod is { } getter)
            {
                Add(def.Queries, new HandlerDefinition(q.Name ?? p.Name, getter, [], p.PropertyType, null), type, "query");
            }
        }

        if (validators.Count > 0)
        {
            throw new ArgumentException($"[WorkflowUpdateValidator] on {type.Name} names unknown update method(s): {string.Join(", ", validators.Keys)}.");
        }

        return def;
    }

    /// <summary>Returns the workflow type name for a class or interface, following Temporal's rules.</summary>
    public static string NameOf(Type type)
    {
        var attr = FindWorkflowAttribute(type)
            ?? throw new ArgumentException($"Type {type.FullName} is not a workflow: add [Workflow] to it.");
        return attr.Name ?? DefaultTypeName(type);
    }

    public static string DefaultMemberName(string methodName) =>
        methodName.Length > 5 && methodName.EndsWith("Async", StringComparison.Ordinal) ? methodName[..^5] : methodName;

    public static Type? UnwrapTask(Type t)
    {
        if (t == typeof(Task) || t == typeof(void) || t == typeof(ValueTask))
        {
            return null;
        }

        if (t.IsGenericType && (t.GetGenericTypeDefinition() == typeof(Task<>) || t.GetGenericTypeDefinition() == typeof(ValueTask<>)))
        {
            return t.GetGenericArguments()[0];
        }

        return t;
    }

    private static string DefaultTypeName(Type type)
    {
        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick > 0)
        {
            name = name[..tick];
        }

        return type.IsInterface && name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]) ? name[1..] : name;
    }

    private static WorkflowAttribute? FindWorkflowAttribute(Type type) =>
        type.GetCustomAttribute<WorkflowAttribute>(inherit: false)
        ?? type.GetInterfaces().Select(i => i.GetCustomAttribute<WorkflowAttribute>()).FirstOrDefault(a => a is not null);

    private static IEnumerable<MethodInfo> AllMethods(Type type) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Concat(type.GetInterfaces().SelectMany(i => i.GetMethods()))
            .Where(m => !m.IsSpecialName);

    private static IEnumerable<PropertyInfo> AllProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Concat(type.GetInterfaces().SelectMany(i => i.GetProperties()));

    private static Type[] Params(MethodInfo m) => [.. m.GetParameters().Select(p => p.ParameterType)];

    private static void Add(Dictionary<string, HandlerDefinition> map, HandlerDefinition h, Type type, string kind)
    {
        if (map.TryGetValue(h.Name, out var existing))
        {
            // The same method seen through the class and an interface is one handler.
            if (existing.Method.Name == h.Method.Name)
            {
                return;
            }

            throw new ArgumentException($"Workflow {type.Name} has two {kind} handlers named '{h.Name}'.");
        }

        map[h.Name] = h;
    }
}
