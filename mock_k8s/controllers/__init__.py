"""Built-in controllers the simulation needs: EndpointSlices from Pods, namespace deletion."""
