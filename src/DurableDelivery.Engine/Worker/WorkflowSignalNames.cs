using System.Reflection;
using DurableDelivery.Engine.Workflows;

namespace DurableDelivery.Engine.Worker;

/// <summary>Handler names from the attributes of the methods that client lambdas call.</summary>
internal static class WorkflowSignalNames
{
    public static string Of(MethodInfo method) => method.GetCustomAttribute<WorkflowSignalAttribute>() is { } a
        ? a.Name ?? WorkflowDefinition.DefaultMemberName(method.Name)
        : throw new ArgumentException($"{method.DeclaringType?.Name}.{method.Name} is not a [WorkflowSignal] method.");

    public static string QueryOf(MethodInfo method)
    {
        if (method.GetCustomAttribute<WorkflowQueryAttribute>() is { } a)
        {
            return a.Name ?? WorkflowDefinition.DefaultMemberName(method.Name);
        }

        // A property getter: the attribute sits on the property.
        var property = method.DeclaringType?.GetProperties().FirstOrDefault(p => p.GetMethod == method);
        return property?.GetCustomAttribute<WorkflowQueryAttribute>() is { } pa
            ? pa.Name ?? property.Name
            : throw new ArgumentException($"{method.DeclaringType?.Name}.{method.Name} is not a [WorkflowQuery] method or property.");
    }

    public static string UpdateOf(MethodInfo method) => method.GetCustomAttribute<WorkflowUpdateAttribute>() is { } a
        ? a.Name ?? WorkflowDefinition.DefaultMemberName(method.Name)
        : throw new ArgumentException($"{method.DeclaringType?.Name}.{method.Name} is not a [WorkflowUpdate] method.");

    public static void RequireRun(MethodInfo method)
    {
        if (method.GetCustomAttribute<WorkflowRunAttribute>() is null)
        {
            throw new ArgumentException($"{method.DeclaringType?.Name}.{method.Name} is not the [WorkflowRun] method.");
        }
    }
}
