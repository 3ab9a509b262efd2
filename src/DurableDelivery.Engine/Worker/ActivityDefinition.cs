using System.Collections.Concurrent;
using System.Reflection;
using DurableDelivery.Engine.Activities;

namespace DurableDelivery.Engine.Worker;

/// <summary>A registered activity: its name and how to invoke it.</summary>
internal sealed class ActivityDefinition
{
    private static readonly ConcurrentDictionary<MethodInfo, string> Names = new();
    private readonly Func<object?>? targetFactory;

    private ActivityDefinition(string name, MethodInfo method, Func<object?>? targetFactory)
    {
        Name = name;
        Method = method;
        this.targetFactory = targetFactory;
        ParameterTypes = [.. method.GetParameters().Select(p => p.ParameterType)];
        ResultType = WorkflowDefinition.UnwrapTask(method.ReturnType);
    }

    public string Name { get; }

    public MethodInfo Method { get; }

    public Type[] ParameterTypes { get; }

    public Type? ResultType { get; }

    /// <summary>
    /// Activity names by method: every <c>ExecuteActivityAsync(lambda)</c> call resolves its method's name, and reading the
    /// attribute allocates a new attribute object (and its reflection records) each time.
    /// </summary>
    public static string NameOf(MethodInfo method) => Names.TryGetValue(method, out var name) ? name : Names.GetOrAdd(method, ReadName(method));

    private static string ReadName(MethodInfo method)
    {
        var attr = method.GetCustomAttribute<ActivityAttribute>();
        if (attr is null)
        {
            // An interface method implemented by an [Activity] method carries the attribute on the implementation only.
            throw new ArgumentException($"Method {method.DeclaringType?.Name}.{method.Name} is not an activity: add [Activity] to it.");
        }

        return attr.Name ?? WorkflowDefinition.DefaultMemberName(method.Name);
    }

    /// <summary>Creates definitions for every [Activity] method of an instance (and static ones of its type).</summary>
    public static IEnumerable<ActivityDefinition> FromInstance(object instance) => FromType(instance.GetType(), () => instance);

    /// <summary>Creates definitions for every [Activity] method of a type; <paramref name="factory"/> supplies the instance per call.</summary>
    public static IEnumerable<ActivityDefinition> FromType(Type type, Func<object?>? factory)
    {
        var found = false;
        foreach (var m in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
        {
            if (m.GetCustomAttribute<ActivityAttribute>() is null)
            {
                continue;
            }

            if (!m.IsStatic && factory is null)
            {
                throw new ArgumentException($"Activity {type.Name}.{m.Name} is an instance method: register an instance or a factory.");
            }

            found = true;
            yield return new ActivityDefinition(NameOf(m), m, m.IsStatic ? null : factory);
        }

        if (!found)
        {
            throw new ArgumentException($"Type {type.FullName} has no [Activity] methods.");
        }
    }

    /// <summary>Creates a definition from a delegate whose method carries [Activity].</summary>
    public static ActivityDefinition FromDelegate(Delegate d)
    {
        var target = d.Target;
        return new ActivityDefinition(NameOf(d.Method), d.Method, target is null ? null : () => target);
    }

    public object? CreateTarget() => targetFactory?.Invoke();
}
