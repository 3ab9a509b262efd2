namespace DurableDelivery.Engine.Workflows;

/// <summary>Marks a class (or interface) as a workflow definition.</summary>
/// <remarks>
/// The default workflow type name is the type's name; for an interface a leading <c>I</c> followed by an upper-case
/// letter is dropped (<c>IGreeting</c> becomes <c>Greeting</c>), as in Temporal.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface, Inherited = false)]
public sealed class WorkflowAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="WorkflowAttribute"/> class with the default name.</summary>
    public WorkflowAttribute()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WorkflowAttribute"/> class.</summary>
    /// <param name="name">Workflow type name; <c>null</c> for the default.</param>
    public WorkflowAttribute(string? name) => Name = name;

    /// <summary>Gets the workflow type name, or <c>null</c> for the default.</summary>
    public string? Name { get; }
}

/// <summary>Marks the single entry method of a workflow. It must return <see cref="Task"/> or <see cref="Task{TResult}"/>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WorkflowRunAttribute : Attribute
{
}

/// <summary>
/// Marks the constructor that receives the workflow's input before anything else runs, as Temporal's
/// <c>[WorkflowInit]</c>: its parameters must be exactly those of the <see cref="WorkflowRunAttribute"/> method.
/// </summary>
/// <remarks>
/// In a workflow's first activation, update validators and signal and update handlers can run before the run
/// method has started; state they read must be set here, not in the run method.
/// </remarks>
[AttributeUsage(AttributeTargets.Constructor, Inherited = false)]
public sealed class WorkflowInitAttribute : Attribute
{
}

/// <summary>Marks a signal handler: a method returning <see cref="Task"/> that receives a durable, ordered message.</summary>
/// <remarks>The default name is the method name with a trailing <c>Async</c> dropped.</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WorkflowSignalAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="WorkflowSignalAttribute"/> class with the default name.</summary>
    public WorkflowSignalAttribute()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WorkflowSignalAttribute"/> class.</summary>
    /// <param name="name">Signal name; <c>null</c> for the default.</param>
    public WorkflowSignalAttribute(string? name) => Name = name;

    /// <summary>Gets the signal name, or <c>null</c> for the default.</summary>
    public string? Name { get; }
}

/// <summary>Marks a query handler: a synchronous method or property that reads workflow state and must not change it.</summary>
/// <remarks>Queries add no history events and also work on closed workflows.</remarks>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Property, Inherited = false)]
public sealed class WorkflowQueryAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="WorkflowQueryAttribute"/> class with the default name.</summary>
    public WorkflowQueryAttribute()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WorkflowQueryAttribute"/> class.</summary>
    /// <param name="name">Query name; <c>null</c> for the default.</param>
    public WorkflowQueryAttribute(string? name) => Name = name;

    /// <summary>Gets the query name, or <c>null</c> for the default.</summary>
    public string? Name { get; }
}

/// <summary>Marks an update handler: a method returning <see cref="Task"/> or <see cref="Task{TResult}"/> whose result returns to the caller.</summary>
/// <remarks>An accepted update is recorded in history; a rejected one (see <see cref="WorkflowUpdateValidatorAttribute"/>) leaves no trace.</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WorkflowUpdateAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="WorkflowUpdateAttribute"/> class with the default name.</summary>
    public WorkflowUpdateAttribute()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="WorkflowUpdateAttribute"/> class.</summary>
    /// <param name="name">Update name; <c>null</c> for the default.</param>
    public WorkflowUpdateAttribute(string? name) => Name = name;

    /// <summary>Gets the update name, or <c>null</c> for the default.</summary>
    public string? Name { get; }
}

/// <summary>Marks a <c>void</c> method that validates an update before it is accepted; throwing rejects the update.</summary>
/// <remarks>The validator takes the same parameters as the update, must not change state and must not await.</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WorkflowUpdateValidatorAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="WorkflowUpdateValidatorAttribute"/> class.</summary>
    /// <param name="updateMethod">Name of the update method this validates (use <c>nameof</c>).</param>
    public WorkflowUpdateValidatorAttribute(string updateMethod) => UpdateMethod = updateMethod;

    /// <summary>Gets the name of the update method this validator applies to.</summary>
    public string UpdateMethod { get; }
}
