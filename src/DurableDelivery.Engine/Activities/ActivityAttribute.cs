namespace DurableDelivery.Engine.Activities;

/// <summary>Marks a method as an activity: the only place where workflow-driven code may touch the world.</summary>
/// <remarks>The default name is the method name with a trailing <c>Async</c> dropped.</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ActivityAttribute : Attribute
{
    /// <summary>Initializes a new instance of the <see cref="ActivityAttribute"/> class with the default name.</summary>
    public ActivityAttribute()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ActivityAttribute"/> class.</summary>
    /// <param name="name">Activity type name; <c>null</c> for the default.</param>
    public ActivityAttribute(string? name) => Name = name;

    /// <summary>Gets the activity type name, or <c>null</c> for the default.</summary>
    public string? Name { get; }
}
