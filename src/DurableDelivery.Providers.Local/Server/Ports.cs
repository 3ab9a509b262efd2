using System.Net;
using System.Net.Sockets;

namespace DurableDelivery.Providers.Local.Server;

/// <summary>Loopback port helpers.</summary>
internal static class Ports
{
    /// <summary>Asks the OS for a free loopback port. Another process may take it before it is used; callers retry.</summary>
    public static int FindFree()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Whether nothing listens on or holds the loopback port now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
